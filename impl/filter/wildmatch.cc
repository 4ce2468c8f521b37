#include "filter/wildmatch.h"

namespace crsync::filter {
namespace {

// Matches one character class starting after '['; sets *consumed to the
// pattern length through ']'. Returns -1 for a malformed class.
int match_class(std::string_view p, char c, size_t* consumed) {
  size_t i = 0;
  bool negate = false;
  if (i < p.size() && (p[i] == '!' || p[i] == '^')) {
    negate = true;
    ++i;
  }
  bool matched = false;
  bool first = true;
  while (i < p.size() && (p[i] != ']' || first)) {
    first = false;
    char lo = p[i];
    if (lo == '\\' && i + 1 < p.size()) lo = p[++i];
    char hi = lo;
    if (i + 2 < p.size() && p[i + 1] == '-' && p[i + 2] != ']') {
      hi = p[i + 2];
      if (hi == '\\' && i + 3 < p.size()) {
        hi = p[i + 3];
        ++i;
      }
      i += 2;
    }
    if (static_cast<unsigned char>(c) >= static_cast<unsigned char>(lo) &&
        static_cast<unsigned char>(c) <= static_cast<unsigned char>(hi))
      matched = true;
    ++i;
  }
  if (i >= p.size()) return -1;
  *consumed = i + 1;
  return matched != negate ? 1 : 0;
}

bool match_here(std::string_view p, std::string_view t) {
  while (!p.empty()) {
    const char pc = p[0];
    if (pc == '*') {
      const bool dbl = p.size() > 1 && p[1] == '*';
      std::string_view rest = p.substr(dbl ? 2 : 1);
      while (!rest.empty() && rest[0] == '*') rest.remove_prefix(1);
      for (size_t k = 0; k <= t.size(); ++k) {
        if (match_here(rest, t.substr(k))) return true;
        if (k < t.size() && t[k] == '/' && !dbl) return false;
      }
      return false;
    }
    if (t.empty()) return false;
    if (pc == '?') {
      if (t[0] == '/') return false;
    } else if (pc == '[') {
      size_t used = 0;
      const int r = match_class(p.substr(1), t[0], &used);
      if (r < 0) {
        if (t[0] != '[') return false;
      } else {
        if (r == 0 || t[0] == '/') return false;
        p.remove_prefix(used + 1);
        t.remove_prefix(1);
        continue;
      }
    } else if (pc == '\\' && p.size() > 1) {
      if (t[0] != p[1]) return false;
      p.remove_prefix(2);
      t.remove_prefix(1);
      continue;
    } else if (pc != t[0]) {
      return false;
    }
    p.remove_prefix(1);
    t.remove_prefix(1);
  }
  return t.empty();
}

}  // namespace

bool wildmatch(std::string_view pattern, std::string_view text) {
  return match_here(pattern, text);
}

}  // namespace crsync::filter
