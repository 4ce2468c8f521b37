#include "filter/daemon_filter.h"

#include <cctype>

namespace crsync::filter {
namespace {

bool is_space(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}

std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (is_space(c)) {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

// The lines of an include/exclude file: comments and blank lines skipped.
std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    std::string l = text.substr(start, nl - start);
    start = nl + 1;
    while (!l.empty() && l.back() == '\r') l.pop_back();
    if (l.empty() || l[0] == '#' || l[0] == ';') continue;
    out.push_back(std::move(l));
  }
  return out;
}

}  // namespace

std::string module_relative(const std::string& path) {
  std::string out;
  size_t i = 0;
  while (i <= path.size()) {
    size_t slash = path.find('/', i);
    if (slash == std::string::npos) slash = path.size();
    const std::string comp = path.substr(i, slash - i);
    if (!comp.empty() && comp != ".") {
      if (!out.empty()) out += '/';
      out += comp;
    }
    i = slash + 1;
  }
  return out;
}

void DaemonFilter::add(FilterRule r, bool am_sender) {
  // A rule for the other side only is dropped (upstream add_rule under
  // XFLG_ABS_IF_SLASH). Upstream reads the module's rules before the
  // client's options, when it does not yet know it will send: a
  // sender-side rule ("hide", 's') is dropped in both directions, and a
  // receiver-side one ("protect", 'r') excludes in both.
  (void)am_sender;
  if (r.sender_only && !r.receiver_only) return;
  Rule d;
  // A '/' in the pattern as written (not a trailing one) anchors it to
  // the module's root.
  d.module_path = r.anchored || r.and_below || r.pattern.find('/') != std::string::npos;
  // An excluded directory takes its contents with it.
  if (r.dir_only && !r.include) {
    r.dir_only = false;
    r.and_below = true;
    r.full_path = true;
    d.from_dir = true;
  }
  d.rule = std::move(r);
  rules_.push_back(std::move(d));
}

Result<DaemonFilter> DaemonFilter::parse(const DaemonFilterParams& p, bool am_sender,
                                         const FileReader& read) {
  DaemonFilter f;
  if (!p.filter.empty()) {
    FilterRule container;
    container.word_split = true;
    bool clears = false;
    CRSYNC_ASSIGN_OR_RETURN(std::vector<FilterRule> rules,
                            parse_dir_merge_file(p.filter, container, &clears));
    for (auto& r : rules) f.add(std::move(r), am_sender);
  }
  // One pattern: "!" clears the list so far, "+ " and "- " say which kind
  // it is, else `include` does.
  const auto add_pattern = [&](const std::string& pat, bool include) -> Status {
    if (pat == "!") {
      f.rules_.clear();
      return Status::Ok();
    }
    std::string text = pat;
    if (!(pat.size() > 2 && (pat[0] == '+' || pat[0] == '-') && pat[1] == ' '))
      text = (include ? "+ " : "- ") + pat;
    CRSYNC_ASSIGN_OR_RETURN(FilterRule r, parse_rule(text));
    f.add(std::move(r), am_sender);
    return Status::Ok();
  };
  const auto add_file = [&](const std::string& path, bool include) -> Status {
    if (path.empty()) return Status::Ok();
    auto text = read(path);
    if (!text.ok())
      return Status::Error(ExitCode::kFileIo,
                           std::string("failed to open ") + (include ? "include" : "exclude") +
                               " file " + path + ": " + std::string(text.status().message()));
    for (const auto& l : lines(*text)) CRSYNC_RETURN_IF_ERROR(add_pattern(l, include));
    return Status::Ok();
  };
  CRSYNC_RETURN_IF_ERROR(add_file(p.include_from, true));
  for (const auto& w : words(p.include)) CRSYNC_RETURN_IF_ERROR(add_pattern(w, true));
  CRSYNC_RETURN_IF_ERROR(add_file(p.exclude_from, false));
  for (const auto& w : words(p.exclude)) CRSYNC_RETURN_IF_ERROR(add_pattern(w, false));
  return f;
}

bool DaemonFilter::excluded(const std::string& root, const std::string& name, bool is_dir) const {
  const std::string n = module_relative(name);
  if (n.empty() || rules_.empty()) return false;
  const std::string r = module_relative(root);
  const std::string full = r.empty() ? n : r + "/" + n;
  for (const auto& d : rules_) {
    const std::string& path = d.module_path ? full : n;
    bool m = false;
    if (d.from_dir && !is_dir) {
      // Only what lies below a matching directory: its parent must match.
      const auto slash = path.rfind('/');
      m = slash != std::string::npos && rule_matches(d.rule, path.substr(0, slash), true);
    } else {
      m = rule_matches(d.rule, path, is_dir);
    }
    if (m) return !d.rule.include;
  }
  return false;
}

bool DaemonFilter::path_excluded(const std::string& module_path, bool ignore_last) const {
  if (rules_.empty()) return false;
  const std::string p = module_relative(module_path);
  for (size_t slash = p.find('/'); slash != std::string::npos; slash = p.find('/', slash + 1))
    if (excluded(p.substr(0, slash), true)) return true;
  return !ignore_last && !p.empty() && excluded(p, true);
}

}  // namespace crsync::filter
