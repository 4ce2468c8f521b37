#include "filter/dir_filters.h"

namespace crsync::filter {
namespace {

std::string parent_of(const std::string& dir) {
  const auto slash = dir.rfind('/');
  if (dir.empty() || dir == "/") return {};
  if (slash == std::string::npos) return "";
  return slash == 0 ? "/" : dir.substr(0, slash);
}

std::string basename_of(const std::string& name) {
  const auto slash = name.rfind('/');
  return slash == std::string::npos ? name : name.substr(slash + 1);
}

// `path` seen from directory `dir` (relative to the root, "" = the root);
// nullopt when it is not below it.
std::optional<std::string> below(const std::string& dir, const std::string& path) {
  if (dir.empty()) return path;
  if (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/')
    return path.substr(dir.size() + 1);
  return std::nullopt;
}

}  // namespace

DirFilters::DirFilters(const std::vector<FilterRule>* rules, Reader reader, std::string root_abs)
    : rules_(rules), reader_(std::move(reader)), root_abs_(std::move(root_abs)) {
  while (root_abs_.size() > 1 && root_abs_.back() == '/') root_abs_.pop_back();
}

const DirFilters::Loaded& DirFilters::load(size_t rule_index, const std::string& dir) {
  const auto key = std::make_pair(rule_index, dir);
  auto it = cache_.find(key);
  if (it != cache_.end()) return it->second;
  Loaded l;
  const FilterRule& merge = (*rules_)[rule_index];
  const std::string name = basename_of(merge.pattern);
  if (auto content = reader_(dir, name)) {
    auto parsed = parse_dir_merge_file(*content, merge, &l.clears);
    if (parsed.ok()) {
      l.rules = std::move(*parsed);
    } else {
      const std::string where = dir.empty() ? name : dir + "/" + name;
      errors_.push_back(where + ": " + std::string(parsed.status().message()));
    }
  }
  return cache_.emplace(key, std::move(l)).first->second;
}

int DirFilters::eval_merge(size_t rule_index, const std::string& path, bool is_dir, Side side) {
  const FilterRule& merge = (*rules_)[rule_index];
  const auto slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "" : path.substr(0, slash);
  // In the tree: the entry's directory, then its parents up to the root.
  for (bool first = true;; first = false) {
    static const Loaded kNone;
    const Loaded& l = dir.empty() && !root_read_ && !merge.anchored ? kNone : load(rule_index, dir);
    if (first || !merge.no_inherit) {
      for (const auto& r : l.rules) {
        if (!applies_on(r, side)) continue;
        std::optional<std::string> seen = r.anchored ? below(dir, path) : path;
        if (seen && rule_matches(r, *seen, is_dir)) return r.include ? 1 : -1;
      }
    }
    if (l.clears) return 0;
    if (dir.empty()) break;
    dir = parent_of(dir);
  }
  if (!merge.anchored || root_abs_.empty() || merge.no_inherit) return 0;
  // Above the root: anchored patterns see the root's path below them.
  for (std::string above = parent_of(root_abs_); !above.empty(); above = parent_of(above)) {
    const Loaded& l = load(rule_index, above);
    const std::string prefix = root_abs_.substr(above == "/" ? 1 : above.size() + 1);
    for (const auto& r : l.rules) {
      if (!applies_on(r, side)) continue;
      if (rule_matches(r, r.anchored ? prefix + "/" + path : path, is_dir))
        return r.include ? 1 : -1;
    }
    if (l.clears || above == "/") break;
  }
  return 0;
}

bool DirFilters::excluded(const std::string& path, bool is_dir, Side side) {
  for (size_t i = 0; i < rules_->size(); ++i) {
    const FilterRule& r = (*rules_)[i];
    if (!applies_on(r, side)) continue;
    if (r.dir_merge) {
      const int v = eval_merge(i, path, is_dir, side);
      if (v) return v < 0;
      continue;
    }
    if (rule_matches(r, path, is_dir)) return !r.include;
  }
  return false;
}

std::vector<std::string> DirFilters::take_errors() {
  std::vector<std::string> e;
  e.swap(errors_);
  return e;
}

}  // namespace crsync::filter
