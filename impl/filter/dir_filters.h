// Per-directory merge files (upstream exclude.c push_local_filters and
// change_local_filter_dir): a "dir-merge FILE" rule is replaced, for a name
// in directory D, by the rules of FILE in D and (unless 'n') in D's
// parents up to the transfer root, nearest first; a "!" in a file hides
// the parents' rules. With a leading '/' ("dir-merge /.rsync-filter") the
// directories above the transfer root are read too, from its parent up to
// "/". Anchored patterns in a file are relative to the file's directory.
//
// One DirFilters serves one transfer root (a sender's source directory, a
// receiver's destination). Files are read through a caller-supplied reader
// and parsed once.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "filter/filter_rules.h"

namespace crsync::filter {

class DirFilters {
 public:
  // Reads `name` in directory `dir`: relative to the transfer root ("" for
  // the root itself), or absolute (starting with '/') for a directory above
  // it. nullopt when there is no such file.
  using Reader =
      std::function<std::optional<std::string>(const std::string& dir, const std::string& name)>;

  // `rules` must outlive this object. `root_abs` is the transfer root's
  // absolute path (for the scan above it; empty: no scan).
  DirFilters(const std::vector<FilterRule>* rules, Reader reader, std::string root_abs);

  // Whether the transfer root's own contents are sent (a "dir/" or "."
  // argument): only then is its file read, unless the parent scan reads it.
  void set_root_read(bool read) { root_read_ = read; }

  // True when `path` (relative to the transfer root) is excluded on `side`.
  bool excluded(const std::string& path, bool is_dir, Side side);

  // Problems met reading merge files (an unreadable or invalid file), each
  // once, for the caller to report.
  std::vector<std::string> take_errors();

 private:
  struct Loaded {
    std::vector<FilterRule> rules;
    bool clears = false;  // the file holds a "!"
  };
  const Loaded& load(size_t rule_index, const std::string& dir);
  // Evaluates merge rule `rule_index` for `path`; 1 included, -1 excluded,
  // 0 no match.
  int eval_merge(size_t rule_index, const std::string& path, bool is_dir, Side side);

  const std::vector<FilterRule>* rules_;
  Reader reader_;
  std::string root_abs_;
  bool root_read_ = false;
  std::map<std::pair<size_t, std::string>, Loaded> cache_;
  std::vector<std::string> errors_;
};

}  // namespace crsync::filter
