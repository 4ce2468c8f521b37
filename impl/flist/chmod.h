// --chmod (upstream chmod.c): a comma-separated list of chmod-style
// changes ("Dg+s,u=rwX,F644", "o-w") applied to the permissions the
// sending side reports, as if the files had them. The client applies
// them to the names it sends, and to the entries it receives when it
// pulls; the option never travels to the server.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "base/status.h"

namespace crsync::flist {

class ChmodRules {
 public:
  // Appends the changes of one --chmod argument; an argument upstream
  // would reject is an error (exit code 1, upstream's message). `umask`
  // masks changes written without a who ("+x" is "a+x" minus the umask).
  Status add(const std::string& spec, mode_t umask);

  bool empty() const { return changes_.empty(); }
  // The mode after every change, in order; the file type bits are kept.
  // Symlinks and a zero mode are left alone by the callers, as upstream.
  mode_t apply(mode_t mode) const;

 private:
  struct Change {
    int and_mask = 0;
    int or_mask = 0;
    bool dirs_only = false;
    bool files_only = false;
    bool keep_x = false;  // 'X': execute only where some x bit was set, or on dirs
  };
  std::vector<Change> changes_;
};

}  // namespace crsync::flist
