#include "flist/chmod.h"

#include <sys/stat.h>

namespace crsync::flist {
namespace {

constexpr int kPermBits = 07777;  // CHMOD_BITS

enum class Op { kNone, kAdd, kSub, kEq, kSet };

}  // namespace

Status ChmodRules::add(const std::string& spec, mode_t umask) {
  const auto invalid = [&] {
    return Status::Error(ExitCode::kSyntax, "Invalid argument passed to --chmod (" + spec + ")");
  };
  std::vector<Change> parsed;
  size_t i = 0;
  for (;;) {
    // One clause: [DF][ugoa]*(+|-|=)[rwxXst]*, or [DF]<octal>.
    Change ch;
    int who = 0, perms = 0, special = 0, who_special = 0;
    Op op = Op::kNone;
    for (; i < spec.size() && (spec[i] == 'D' || spec[i] == 'F'); ++i) {
      if (spec[i] == 'D') {
        if (ch.files_only) return invalid();
        ch.dirs_only = true;
      } else {
        if (ch.dirs_only) return invalid();
        ch.files_only = true;
      }
    }
    if (i < spec.size() && spec[i] >= '0' && spec[i] <= '7') {
      op = Op::kSet;
      for (; i < spec.size() && spec[i] != ','; ++i) {
        if (spec[i] < '0' || spec[i] > '7') return invalid();
        perms = perms * 8 + (spec[i] - '0');
        if (perms > kPermBits) return invalid();
      }
    } else {
      for (; i < spec.size() && op == Op::kNone; ++i) {
        switch (spec[i]) {
          case 'D':
          case 'F':
            if ((spec[i] == 'D' && ch.files_only) || (spec[i] == 'F' && ch.dirs_only))
              return invalid();
            (spec[i] == 'D' ? ch.dirs_only : ch.files_only) = true;
            break;
          case 'u': who |= 0100, who_special |= 04000; break;
          case 'g': who |= 0010, who_special |= 02000; break;
          case 'o': who |= 0001; break;
          case 'a': who |= 0111; break;
          case '+': op = Op::kAdd; break;
          case '-': op = Op::kSub; break;
          case '=': op = Op::kEq; break;
          default: return invalid();
        }
      }
      if (op == Op::kNone) return invalid();
      for (; i < spec.size() && spec[i] != ','; ++i) {
        switch (spec[i]) {
          case 'r': perms |= 4; break;
          case 'w': perms |= 2; break;
          case 'X': ch.keep_x = true, perms |= 1; break;
          case 'x': perms |= 1; break;
          case 's': special |= who_special ? who_special : 04000; break;
          case 't': special |= 01000; break;
          default: return invalid();
        }
      }
    }
    int bits;
    if (op == Op::kSet) {
      bits = perms;
    } else if (who) {
      bits = who * perms;
    } else {
      who = 0111;
      bits = (who * perms) & ~static_cast<int>(umask);
    }
    switch (op) {
      case Op::kAdd: ch.and_mask = kPermBits, ch.or_mask = bits + special; break;
      case Op::kSub: ch.and_mask = kPermBits - bits - special, ch.or_mask = 0; break;
      case Op::kEq:
        ch.and_mask = kPermBits - who * 7 - (special ? who_special : 0);
        ch.or_mask = bits + special;
        break;
      case Op::kSet: ch.and_mask = 0, ch.or_mask = bits; break;
      case Op::kNone: return invalid();
    }
    parsed.push_back(ch);
    if (i >= spec.size()) break;
    ++i;  // the ','
  }
  changes_.insert(changes_.end(), parsed.begin(), parsed.end());
  return Status::Ok();
}

mode_t ChmodRules::apply(mode_t mode) const {
  int m = static_cast<int>(mode);
  const int had_x = m & 0111;
  const int type = m & ~kPermBits;
  const bool dir = S_ISDIR(static_cast<mode_t>(type));
  for (const Change& ch : changes_) {
    if ((ch.dirs_only && !dir) || (ch.files_only && dir)) continue;
    m &= ch.and_mask;
    m |= ch.keep_x && !had_x && !dir ? ch.or_mask & ~0111 : ch.or_mask;
  }
  return static_cast<mode_t>(m | type);
}

}  // namespace crsync::flist
