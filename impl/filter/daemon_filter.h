// A daemon module's own filter list (upstream exclude.c daemon_filter_list,
// filled by clientserver.c rsync_module from the module's "filter",
// "include from", "include", "exclude from" and "exclude" parameters, in
// that order). It applies on the daemon side whatever the client asks: to
// the names a sending daemon lists, to the names a receiving daemon accepts
// and deletes, and to the path arguments and option directories.
//
// How the module's rules differ from a client's: a pattern holding a '/'
// (leading or inside) is matched against the path from the module's root,
// not from the transfer root; an exclude of a directory ("dir/") also
// excludes everything below it ("dir/***"); and a sender-side rule ("hide",
// 's') is dropped while a receiver-side one ("protect", 'r') excludes, in
// both directions (upstream reads the module's rules before it knows the
// direction, as if it were receiving).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "filter/filter_rules.h"

namespace crsync::filter {

struct DaemonFilterParams {
  std::string filter;        // "filter": full rules, split on whitespace
  std::string include_from;  // "include from": a file of include patterns
  std::string include;       // "include": include patterns, split on whitespace
  std::string exclude_from;  // "exclude from": a file of exclude patterns
  std::string exclude;       // "exclude": exclude patterns, split on whitespace
};

class DaemonFilter {
 public:
  // Reads an "include from" / "exclude from" file.
  using FileReader = std::function<Result<std::string>(const std::string& path)>;

  // The module's list for a daemon that sends (`am_sender`) or receives
  // (the same list today: see above).
  // A rule that does not parse is an error (exit code 1); a file that
  // cannot be read too (exit code 11, as upstream's fatal parse_filter_file).
  static Result<DaemonFilter> parse(const DaemonFilterParams& p, bool am_sender,
                                    const FileReader& read);

  bool empty() const { return rules_.empty(); }

  // Whether `name` (relative to the transfer root, which is `root`
  // relative to the module's root: "" or "." for the module itself) is
  // excluded. "." is never excluded.
  bool excluded(const std::string& root, const std::string& name, bool is_dir) const;

  // Whether a path relative to the module's root is excluded.
  bool excluded(const std::string& module_path, bool is_dir) const {
    return excluded(std::string(), module_path, is_dir);
  }

  // upstream flist.c path_is_daemon_excluded: whether any directory leading
  // to `module_path` is excluded (and, unless `ignore_last`, the path
  // itself taken as a directory).
  bool path_excluded(const std::string& module_path, bool ignore_last) const;

 private:
  struct Rule {
    FilterRule rule;
    bool module_path = false;  // matched against the path from the module's root
    bool from_dir = false;     // "dir/" made "dir/***": a non-directory matches only below it
  };
  void add(FilterRule r, bool am_sender);
  std::vector<Rule> rules_;
};

// A path cleaned for matching against a module's rules: leading "/" and
// "./" dropped, "." components and repeated or trailing slashes removed.
std::string module_relative(const std::string& path);

}  // namespace crsync::filter
