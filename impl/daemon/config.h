// rsyncd.conf (upstream params.c + loadparm.c + daemon-parm.txt): the
// line grammar (sections, "name = value", ';'/'#' comments, '\'
// continuation lines), the parameter table with its global/module classes,
// booleans ("yes/true/1", "no/false/0", and "unset/-1" for the three-state
// ones), integers, paths (trailing slashes trimmed), "&include" (a file, or
// every *.conf of a directory, with the global values restored afterwards)
// and "&merge" (a file, or every *.inc of a directory, values kept), and
// --dparam overrides applied at the end of the global section.
//
// The parser does no I/O of its own: files and directories are read
// through a ConfigSource. Problems upstream only logs (an unknown
// parameter, a badly formed boolean, a global parameter in a module) are
// logged here too, with the file and line; a parameter upstream knows but
// crsync cannot honour is an error naming the line (failing closed rather
// than silently serving without it).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace crsync::daemon {

// Reads config files and lists directories for &include/&merge.
struct ConfigSource {
  std::function<Result<std::string>(const std::string& path)> read_file;
  std::function<Result<std::vector<std::string>>(const std::string& dir)> list_dir;
  std::function<bool(const std::string& path)> is_dir;
};
// The real file system.
ConfigSource file_config_source();

// One section's parameter values (modules hold every module-class value;
// the global section also holds the global-class ones). Keys are upstream's
// labels ("read only").
class Section {
 public:
  const std::string& name() const { return name_; }
  // String parameters with %VAR% references expanded from the environment.
  std::string str(const std::string& key) const;
  std::string raw(const std::string& key) const;
  bool boolean(const std::string& key) const;
  // Three-state booleans: -1 unset, 0 false, 1 true.
  int bool3(const std::string& key) const;
  int integer(const std::string& key) const;

 private:
  friend class ConfigParser;
  std::string name_;
  std::map<std::string, std::string> values_;
};

struct DaemonConfig {
  Section globals;
  std::vector<Section> modules;  // in definition order
  // The index of the module named exactly `name`, or -1.
  int find(const std::string& name) const;
};

using ConfigLog = std::function<void(const std::string& line)>;

// Parses `path` (and what it includes). `dparams` are "name=value" pairs
// from --dparam. Failure carries exit code 1 and upstream's reason.
Result<DaemonConfig> load_config(const std::string& path, const ConfigSource& src,
                                 const std::vector<std::string>& dparams, const ConfigLog& log);
// For tests: the same over text held in memory (includes still use `src`).
Result<DaemonConfig> parse_config_text(const std::string& text, const std::string& name,
                                       const ConfigSource& src,
                                       const std::vector<std::string>& dparams,
                                       const ConfigLog& log);

// Whether `name` (any spacing and case) is one of upstream's parameters.
bool is_known_parameter(const std::string& name);

// %VAR% references replaced by environment values (unknown ones left).
std::string expand_vars(const std::string& s);

}  // namespace crsync::daemon
