// The client's argument list in daemon mode (upstream io.c read_args,
// util1.c glob_expand_module and sanitize_path): each argument ends with a
// NUL from protocol 30 (a newline below it) and an empty argument ends the
// list. Everything before "." is options; each argument after it is a
// path that names the module ("mod/dir/file", or several in one argument
// separated by " mod/"), which becomes a path inside the module.
// No I/O, but for module_paths' wildcard expansion.
#pragma once

#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"
#include "daemon/glob_expand.h"

namespace crsync::daemon {

// Limits on what a client may send (bounded memory).
inline constexpr size_t kMaxArgLen = 4096 + 1024;  // BIGPATHBUFLEN
inline constexpr size_t kMaxArgCount = 10000;
inline constexpr size_t kMaxArgBytes = 1 << 20;

class ArgsDecoder {
 public:
  explicit ArgsDecoder(bool nul_separated) : nul_(nul_separated) {}
  // Consumes what is available; ok when the list is complete, NeedMore
  // when more input is needed, an error when a limit is broken.
  Status feed(ByteReader& r);
  bool done() const { return done_; }
  const std::vector<std::string>& args() const { return args_; }

 private:
  bool nul_;
  bool done_ = false;
  std::string cur_;
  size_t total_ = 0;
  std::vector<std::string> args_;
};

// Upstream's sanitize_path with no root and no allowed "..": a leading '/'
// and every ".." that would climb above the start are dropped, "//"
// collapses; "." components stay (the -R marker); a trailing '/' stays; an
// empty result is ".".
std::string sanitize_path(const std::string& p);

// sanitize_path for a path relative to a directory `depth` levels inside the
// module (upstream sanitize_path with that depth, as for the basis
// directories of --link-dest and its kin): up to `depth` leading ".." stay,
// every other ".." collapses or is dropped at the start, "." components and
// repeated slashes go; a leading '/' is dropped and allows no climbing (the
// caller roots such a path at the module).
std::string sanitize_path(const std::string& p, int depth);

// Upstream's clean_fname (keeping "." components and a trailing '/',
// collapsing "dir/.." pairs): for a chrooted module, where '/' is the
// module.
std::string clean_path(const std::string& p);

// The paths after "." for module `module`: its name stripped from the
// front, " module/" splitting one argument into several, each sanitized
// (`sanitize`, i.e. no chroot) or cleaned, then wildcards expanded in the
// current directory (glob_expand.h; `allowed` is the daemon filter).
std::vector<std::string> module_paths(const std::string& module,
                                      const std::vector<std::string>& args, bool sanitize,
                                      const GlobFilter& allowed = nullptr);

}  // namespace crsync::daemon
