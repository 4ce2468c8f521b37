#include "session/out_format.h"

#include <cctype>
#include <cstdio>

#include "wire/protocol_format.h"

namespace crsync::session {
namespace {

// Upstream's escape scratch buffer: the flags and width of one escape fit
// in 32 bytes, 8 of them kept for the conversion letter and the end.
constexpr size_t kFmtSize = 32;

// printf's "%-Ns" / "%Ns" of `s`.
std::string pad(std::string_view s, bool left, size_t width) {
  if (s.size() >= width) return std::string(s);
  const std::string fill(width - s.size(), ' ');
  return left ? std::string(s) + fill : fill + std::string(s);
}

std::string name_of(const FormatItem& it) {
  return it.fname ? *it.fname : it.file->name;
}

}  // namespace

std::string time_string(std::time_t t) {
  std::tm tm{};
  ::localtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%4d/%02d/%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string perm_string(uint32_t mode) {
  static const char kMap[] = "rwxrwxrwx";
  std::string p = "----------";
  for (int i = 0; i < 9; ++i)
    if (mode & (1u << i)) p[static_cast<size_t>(9 - i)] = kMap[8 - i];
  if (mode & 04000) p[3] = (mode & 0100) ? 's' : 'S';
  if (mode & 02000) p[6] = (mode & 0010) ? 's' : 'S';
  if (mode & 01000) p[9] = (mode & 0001) ? 't' : 'T';
  const uint32_t fmt = mode & 0170000;
  if (fmt == 0040000)
    p[0] = 'd';
  else if (fmt == 0120000)
    p[0] = 'l';
  else if (fmt == 0060000)
    p[0] = 'b';
  else if (fmt == 0020000)
    p[0] = 'c';
  else if (fmt == 0140000)
    p[0] = 's';
  else if (fmt == 0010000)
    p[0] = 'p';
  return p;
}

std::string big_num(int64_t n, int human) {
  return human_num(n, human);
}

std::string clean_name(std::string_view name) {
  std::string out;
  const bool anchored = !name.empty() && name[0] == '/';
  if (anchored) out = "/";
  size_t i = anchored ? 1 : 0;
  while (i < name.size()) {
    if (name[i] == '/') {
      ++i;
      continue;
    }
    if (name[i] == '.' && i + 1 < name.size() && name[i + 1] == '/') {
      i += 2;
      continue;
    }
    while (i < name.size()) {
      out += name[i];
      if (name[i++] == '/') break;
    }
  }
  if (out.size() > (anchored ? 1u : 0u) && out.back() == '/') out.pop_back();
  if (out.empty()) out = ".";
  return out;
}

bool format_has(std::string_view f, char esc) {
  size_t p = 0;
  while ((p = f.find('%', p)) != std::string_view::npos) {
    ++p;
    while (p < f.size() && f[p] == '\'') ++p;
    if (p < f.size() && f[p] == '-') ++p;
    while (p < f.size() && std::isdigit(static_cast<unsigned char>(f[p]))) ++p;
    while (p < f.size() && f[p] == '\'') ++p;
    if (p >= f.size()) break;
    if (f[p] == esc) return true;
  }
  return false;
}

std::string format_item(std::string_view format, const FormatItem& it) {
  const flist::FileEntry& file = *it.file;
  const std::string buf = std::string(format) + "\n";
  std::string out;
  size_t copied = 0;  // buf[copied, s) is still to be copied verbatim
  size_t p = 0;
  while ((p = buf.find('%', p)) != std::string::npos) {
    const size_t s = p++;
    int humanize = 0;
    bool left = false;
    std::string width;
    while (p < buf.size() && buf[p] == '\'') {
      ++humanize;
      ++p;
    }
    if (p < buf.size() && buf[p] == '-') {
      left = true;
      ++p;
    }
    while (p < buf.size() && std::isdigit(static_cast<unsigned char>(buf[p])) &&
           1 + (left ? 1 : 0) + width.size() < kFmtSize - 8)
      width += buf[p++];
    while (p < buf.size() && buf[p] == '\'') {
      ++humanize;
      ++p;
    }
    if (p >= buf.size()) break;
    const bool has_fmt = left || !width.empty();
    const size_t w = width.empty() ? 0 : std::stoul(width);
    bool have = true;
    bool padded = false;  // the value already has its width
    std::string n;
    switch (buf[p]) {
      case 'l': n = big_num(file.size, humanize); break;
      case 'U': n = std::to_string(it.uid_kept ? file.uid : 0); break;
      case 'G': n = it.gid_kept ? std::to_string(file.gid) : "DEFAULT"; break;
      case 'p': n = std::to_string(it.pid); break;
      case 'M': {
        n = time_string(static_cast<std::time_t>(file.mtime));
        for (char& ch : n)
          if (ch == ' ') ch = '-';
        break;
      }
      case 'B': n = perm_string(file.mode).substr(1); break;
      case 'o': n = std::string(it.op); break;
      case 'f': {
        std::string name = name_of(it);
        if (it.am_sender && !it.sender_dir.empty()) name = std::string(it.sender_dir) + "/" + name;
        if (!it.am_sender && !it.daemon_dir.empty() && (name.empty() || name[0] != '/'))
          name = std::string(it.daemon_dir) + "/" + name;
        n = clean_name(name);
        if (!n.empty() && n[0] == '/') n.erase(0, 1);
        break;
      }
      case 'n':
        n = name_of(it);
        if (flist::is_dir(file.mode)) n += '/';
        break;
      case 'L': {
        std::string_view target;
        if (!it.hlink.empty()) {
          n = " => ";
          target = it.hlink;
        } else if (flist::is_lnk(file.mode) && !it.fname) {
          n = " -> ";
          target = file.link_target;
        } else if (!has_fmt) {
          break;  // an empty value
        } else {
          n = "    ";
        }
        n += has_fmt ? pad(target, left, w) : std::string(target);
        padded = true;
        break;
      }
      case 'm': break;  // the module: none outside a daemon
      case 't': n = time_string(it.now); break;
      case 'b':
      case 'c': {
        int64_t b = 0;
        if (it.iflags & wire::kItemTransfer)
          b = (it.am_sender != (buf[p] == 'c')) ? it.data_written : it.data_read;
        n = big_num(b, humanize);
        break;
      }
      case 'C':
        if (it.checksum_hex.empty()) {
          n.assign(static_cast<size_t>(it.checksum_len) * 2, ' ');
          padded = true;
        } else {
          n = it.checksum_hex;
        }
        break;
      case 'i':
        if (it.iflags & wire::kItemDeleted)
          n = "*deleting  ";
        else
          n = itemize_string(it.iflags, file, it.itemize);
        break;
      default: have = false; break;  // %h %a %P %u outside a daemon, and unknown letters
    }
    if (!have) continue;  // left as it is; the scan goes on from the letter
    if (has_fmt && !padded) n = pad(n, left, w);
    out.append(buf, copied, s - copied);
    out += n;
    copied = p + 1;
    p = copied;
  }
  out.append(buf, copied, std::string::npos);
  return out;
}

}  // namespace crsync::session
