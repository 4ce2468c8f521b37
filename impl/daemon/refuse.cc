#include "daemon/refuse.h"

#include <cstring>

#include "filter/wildmatch.h"

namespace crsync::daemon {
namespace {

struct Letter {
  char c;
  const char* name;
};
// upstream's long_options entries that have a short form.
const Letter kLetters[] = {
    {'8', "8-bit-output"},
    {'A', "acls"},
    {'a', "archive"},
    {'U', "atimes"},
    {'b', "backup"},
    {'B', "block-size"},
    {'c', "checksum"},
    {'z', "compress"},
    {'k', "copy-dirlinks"},
    {'L', "copy-links"},
    {'N', "crtimes"},
    {'C', "cvs-exclude"},
    {'d', "dirs"},
    {'n', "dry-run"},
    {'E', "executability"},
    {'f', "filter"},
    {'0', "from0"},
    {'y', "fuzzy"},
    {'g', "group"},
    {'H', "hard-links"},
    {'h', "human-readable"},
    {'I', "ignore-times"},
    {'4', "ipv4"},
    {'6', "ipv6"},
    {'i', "itemize-changes"},
    {'K', "keep-dirlinks"},
    {'l', "links"},
    {'@', "modify-window"},
    {'O', "omit-dir-times"},
    {'J', "omit-link-times"},
    {'x', "one-file-system"},
    {'o', "owner"},
    {'p', "perms"},
    {'m', "prune-empty-dirs"},
    {'q', "quiet"},
    {'r', "recursive"},
    {'R', "relative"},
    {'M', "remote-option"},
    {'e', "rsh"},
    {'s', "secluded-args"},
    {'S', "sparse"},
    {'T', "temp-dir"},
    {'t', "times"},
    {'u', "update"},
    {'v', "verbose"},
    {'V', "version"},
    {'W', "whole-file"},
    {'X', "xattrs"},
    {'D', ""},
    {'P', ""},
    {'F', ""},
};

char short_of(const std::string& name) {
  for (const auto& l : kLetters)
    if (name == l.name && *l.name) return l.c;
  return 0;
}

bool exact_only(const std::string& name, char s) {
  return s == 'e' || s == '0' || s == 's' || s == 'n' || name == "iconv" || name == "no-iconv" ||
         name == "checksum-seed" || name == "copy-devices" || name == "write-devices" ||
         name == "log-format" || name == "sender" || name == "server";
}

struct Ref {
  std::string pat;
  bool negated;
  bool wild;
};

std::vector<Ref> parse_list(const std::string& list) {
  std::vector<Ref> out;
  out.push_back({"copy-devices", false, false});
  out.push_back({"write-devices", false, false});
  size_t i = 0;
  while (i < list.size()) {
    while (i < list.size() && list[i] == ' ') ++i;
    if (i >= list.size()) break;
    size_t j = list.find(' ', i);
    if (j == std::string::npos) j = list.size();
    std::string r = list.substr(i, j - i);
    i = j;
    const bool neg = r[0] == '!' && r.size() > 1;
    if (neg) r = r.substr(1);
    if (r == "a" || r == "archive") r = "[ardlptgoD]";
    out.push_back({r, neg, std::strpbrk(r.c_str(), "*?[") != nullptr});
  }
  out.push_back({"log-file*", false, true});
  out.push_back({"iconv", false, false});  // no charset support: --iconv is refused
  return out;
}

// Whether the option (long `name`, short `s`) ends up refused.
bool is_refused(const std::vector<Ref>& refs, const std::string& name, char s) {
  bool refused = false;
  const std::string sn(1, s);
  for (const auto& r : refs) {
    const bool hit =
        (!name.empty() && filter::wildmatch(r.pat, name)) || (s && filter::wildmatch(r.pat, sn));
    if (!hit) continue;
    if (r.wild && exact_only(name, s)) continue;
    refused = !r.negated;
  }
  return refused;
}

std::string message(const std::string& name, char s) {
  std::string m = "The server is configured to refuse --" + name;
  if (s) m += std::string(" (-") + s + ")";
  return m;
}

bool is_delete_option(const std::string& n) {
  return n == "del" || n.rfind("delete", 0) == 0 || n == "remove-source-files";
}
bool is_compress_option(const std::string& n) {
  return n == "compress-choice" || n == "zc" || n == "new-compress" || n == "old-compress" ||
         n == "compress-level";
}

}  // namespace

std::optional<std::string> refused_option(const std::string& refuse_list,
                                          const std::vector<std::string>& argv) {
  const auto refs = parse_list(refuse_list);
  bool any_delete = false, any_compress = false;
  for (const auto& a : argv) {
    if (a == ".") break;
    if (a.size() < 2 || a[0] != '-') continue;
    if (a[1] == '-') {
      std::string name = a.substr(2);
      name = name.substr(0, name.find('='));
      const char s = short_of(name);
      if (is_refused(refs, name, s)) return message(name, s);
      if (is_delete_option(name) && name != "remove-source-files") any_delete = true;
      if (is_compress_option(name)) any_compress = true;
      continue;
    }
    for (size_t i = 1; i < a.size(); ++i) {
      const char c = a[i];
      std::string name;
      for (const auto& l : kLetters)
        if (l.c == c) name = l.name;
      if (is_refused(refs, name, c)) return message(name.empty() ? std::string(1, c) : name, c);
      if (c == 'z') any_compress = true;
      if (c == 'e' || c == 'B' || c == 'T' || c == 'f' || c == '@' || c == 'M') break;
    }
  }
  if (any_delete && is_refused(refs, "delete", 0)) return message("delete", 0);
  if (any_compress && is_refused(refs, "compress", 'z')) return message("compress", 'z');
  return std::nullopt;
}

}  // namespace crsync::daemon
