#include "filter/filter_rules.h"

#include "filter/wildmatch.h"

#include <string_view>

namespace crsync::filter {

Result<FilterRule> parse_rule(const std::string& text) {
  FilterRule r;
  std::string pat;
  if (!text.empty() && (text[0] == '-' || text[0] == '+') && text.find(' ') != std::string::npos) {
    r.include = text[0] == '+';
    const size_t sp = text.find(' ');
    for (size_t i = 1; i < sp; ++i) {
      if (text[i] == 's')
        r.sender_only = true;
      else if (text[i] == 'r')
        r.receiver_only = true;
      else if (text[i] == 'p')
        r.perishable = true;
      else
        return Status::Error(ExitCode::kUnsupported,
                             "filter rule not supported by crsync yet: " + text);
    }
    pat = text.substr(sp + 1);
  } else if (text.size() > 2 && text[1] == ' ' &&
             std::string_view("PHSR").find(text[0]) != std::string_view::npos) {
    // Shorthands: P(rotect) = "-r", H(ide) = "-s", S(how) = "+s", R(isk) = "+r".
    r.include = text[0] == 'S' || text[0] == 'R';
    r.receiver_only = text[0] == 'P' || text[0] == 'R';
    r.sender_only = !r.receiver_only;
    pat = text.substr(2);
  } else if (text.rfind("exclude ", 0) == 0) {
    pat = text.substr(8);
  } else if (text.rfind("include ", 0) == 0) {
    r.include = true;
    pat = text.substr(8);
  } else {
    return Status::Error(ExitCode::kUnsupported,
                         "filter rule not supported by crsync yet: " + text);
  }
  if (pat.empty()) return Status::Error(ExitCode::kSyntax, "empty filter pattern: " + text);
  if (pat.size() > 4 && pat.compare(pat.size() - 4, 4, "/***") == 0) {
    r.and_below = true;
    pat.resize(pat.size() - 4);
  } else if (pat.back() == '/' && pat.size() > 1) {
    r.dir_only = true;
    pat.pop_back();
  }
  if (!pat.empty() && pat[0] == '/') {
    r.anchored = true;
    pat.erase(0, 1);
  }
  r.full_path = r.anchored || pat.find('/') != std::string::npos ||
                pat.find("**") != std::string::npos || r.and_below;
  r.pattern = pat;
  return r;
}

Result<std::vector<FilterRule>> parse_rules(const std::vector<std::string>& texts) {
  std::vector<FilterRule> out;
  for (const auto& t : texts) {
    CRSYNC_ASSIGN_OR_RETURN(FilterRule r, parse_rule(t));
    out.push_back(std::move(r));
  }
  return out;
}

namespace {

bool matches(const FilterRule& r, const std::string& path, bool is_dir) {
  const auto try_at = [&](std::string_view candidate) {
    if (r.and_below) {
      if (wildmatch(r.pattern, candidate)) return true;
      // Anything below a matching directory.
      for (size_t i = 0; i < candidate.size(); ++i)
        if (candidate[i] == '/' && wildmatch(r.pattern, candidate.substr(0, i))) return true;
      return false;
    }
    return wildmatch(r.pattern, candidate);
  };
  if (r.dir_only && !is_dir) return false;
  if (!r.full_path) {
    const auto slash = path.rfind('/');
    return try_at(slash == std::string::npos ? std::string_view(path)
                                             : std::string_view(path).substr(slash + 1));
  }
  if (r.anchored) return try_at(path);
  if (try_at(path)) return true;
  for (size_t i = 0; i < path.size(); ++i)
    if (path[i] == '/' && try_at(std::string_view(path).substr(i + 1))) return true;
  return false;
}

}  // namespace

bool is_excluded(const std::vector<FilterRule>& rules, const std::string& path, bool is_dir,
                 Side side) {
  for (const auto& r : rules) {
    if (side == Side::kSender && r.receiver_only) continue;
    if (side == Side::kReceiver && r.sender_only) continue;
    if (matches(r, path, is_dir)) return !r.include;
  }
  return false;
}

std::string wire_text(const FilterRule& r, int protocol) {
  std::string t = r.include ? "+" : "-";
  if (r.sender_only) t += 's';
  if (r.receiver_only) t += 'r';
  if (r.perishable && protocol >= 30) t += 'p';
  t += ' ';
  if (r.anchored) t += '/';
  t += r.pattern;
  if (r.and_below)
    t += "/***";
  else if (r.dir_only)
    t += '/';
  return t;
}

}  // namespace crsync::filter
