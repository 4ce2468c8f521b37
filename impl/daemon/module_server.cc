#include "daemon/module_server.h"

#include <sys/ioctl.h>
#include <sys/socket.h>

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>

#include "cli/arg_parser.h"
#include "cli/session_runner.h"
#include "daemon/access.h"
#include "daemon/auth.h"
#include "daemon/connection_limit.h"
#include "daemon/module_args.h"
#include "daemon/module_settings.h"
#include "daemon/refuse.h"
#include "daemon/xfer_exec.h"
#include "filter/daemon_filter.h"
#include "transport/fd_channel.h"
#include "wire/protocol_format.h"

namespace crsync::daemon {
namespace {

constexpr const char* kMungePrefix = "/rsyncd-munged";  // SYMLINK_PREFIX without its '/'

bool to_uid(const std::string& s, uid_t* out) {
  char* end = nullptr;
  const long v = std::strtol(s.c_str(), &end, 10);
  if (!s.empty() && *end == '\0') {
    *out = static_cast<uid_t>(v);
    return true;
  }
  const passwd* pw = ::getpwnam(s.c_str());
  if (!pw) return false;
  *out = pw->pw_uid;
  return true;
}

bool to_gid(const std::string& s, gid_t* out) {
  char* end = nullptr;
  const long v = std::strtol(s.c_str(), &end, 10);
  if (!s.empty() && *end == '\0') {
    *out = static_cast<gid_t>(v);
    return true;
  }
  const group* gr = ::getgrnam(s.c_str());
  if (!gr) return false;
  *out = gr->gr_gid;
  return true;
}

std::vector<std::string> split_words(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == ',') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

// The groups of the local user `name` (for "@group" auth rules).
std::vector<std::string> groups_of(const std::string& name) {
  std::vector<std::string> out;
  const passwd* pw = ::getpwnam(name.c_str());
  if (!pw) return out;
  int n = 256;
  std::vector<gid_t> gids(256);
  if (::getgrouplist(name.c_str(), pw->pw_gid, gids.data(), &n) < 0) return out;
  for (int i = 0; i < n; ++i)
    if (const group* g = ::getgrgid(gids[static_cast<size_t>(i)])) out.emplace_back(g->gr_name);
  return out;
}

// Absolute, with "." and ".." resolved lexically (upstream normalize_path).
std::string normalize(const std::string& path) {
  std::string p = path;
  if (p.empty() || p[0] != '/') {
    char cwd[4096];
    if (!::getcwd(cwd, sizeof cwd)) return {};
    p = std::string(cwd) + "/" + p;
  }
  std::string c = clean_path(p);
  while (c.size() > 1 && c.back() == '/') c.pop_back();
  return c;
}

// The secrets file's text, or (nullopt) why it cannot be used.
std::optional<std::string> read_secrets(const Section& m, const DaemonLog& log, std::string* why) {
  const std::string fname = m.str("secrets file");
  *why = "no secrets file";
  if (fname.empty()) return std::nullopt;
  std::FILE* f = std::fopen(fname.c_str(), "r");
  if (!f) return std::nullopt;
  struct stat st {};
  bool ok = ::fstat(fileno(f), &st) == 0;
  if (ok && m.boolean("strict modes")) {
    if (st.st_mode & 06) {
      log("secrets file must not be other-accessible (see strict modes option)");
      ok = false;
    } else if (::getuid() == 0 && st.st_uid != 0) {
      log("secrets file must be owned by root when running as root (see strict modes)");
      ok = false;
    }
  }
  std::string text;
  if (ok) {
    char buf[4096];
    size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0 && text.size() < (1u << 20))
      text.append(buf, n);
  }
  std::fclose(f);
  if (!ok) {
    *why = "ignoring secrets file";
    return std::nullopt;
  }
  return text;
}

class ModuleServer {
 public:
  ModuleServer(TextIo& io, const ModuleRequest& req, const DaemonConfig& cfg, const Section& m,
               const DaemonLog& log, const DaemonParams& p)
      : io_(io),
        req_(req),
        m_(m),
        log_p_(&log),
        p_(p),
        host_(req.host),
        cfg_globals_tag_(cfg.globals.str("syslog tag")),
        cfg_globals_facility_(cfg.globals.str("syslog facility")) {}
  int run();

 private:
  // Sends "@ERROR..." and ends the connection (exit 1, as upstream's -1).
  int refuse(const std::string& line, const std::string& log_line = {}) {
    if (!log_line.empty()) log_(log_line);
    (void)io_.write(line + "\n");
    return static_cast<int>(ExitCode::kSyntax);
  }
  int authenticate();
  int choose_ids();
  int choose_path();
  int enter();
  int session();

  TextIo& io_;
  const ModuleRequest& req_;
  const Section& m_;
  // The daemon's log; the module's own "log file" once the module is
  // chosen (upstream log_init(1)).
  const DaemonLog* log_p_;
  std::optional<DaemonLog> module_log_;
  void log_(const std::string& m) const { (*log_p_)(m); }
  const DaemonParams& p_;
  std::string host_;
  // The global syslog settings the daemon's log was opened with.
  std::string cfg_globals_tag_, cfg_globals_facility_;
  std::string user_;
  bool read_only_ = true;
  uid_t uid_ = 0;
  bool set_uid_ = false;
  std::vector<gid_t> gids_;
  bool use_chroot_ = false;
  std::string chroot_dir_, chdir_dir_;
  bool sanitize_ = false;
  int munge_ = 0;
  PreExec pre_exec_;
  bool has_pre_exec_ = false;
  ModuleFilterFiles filter_files_;  // read before any chroot
};

int ModuleServer::authenticate() {
  const std::string users = m_.str("auth users");
  if (users.empty()) return 0;
  auto digest = server_auth_digest(req_.greeting.digests, req_.protocol);
  if (!digest.ok()) {
    (void)io_.write(std::string(digest.status().message()) + "\n");
    return static_cast<int>(ExitCode::kUnsupported);
  }
  const std::string challenge = make_challenge(req_.addr, *digest);
  if (!io_.write(std::string(wire::kDaemonAuthReqd) + challenge + "\n").ok())
    return static_cast<int>(ExitCode::kSocketIo);
  const auto fail = [&](const std::string& why) {
    log_("auth failed on module " + m_.name() + " from " + host_ + " (" + req_.addr + ")" + why);
    return refuse("@ERROR: auth failed on module " + m_.name());
  };
  std::string line;
  if (!io_.read_line(&line, 4096).ok() || line.find(' ') == std::string::npos)
    return fail(": invalid challenge response");
  const auto sp = line.find(' ');
  user_ = line.substr(0, sp);
  std::string why;
  const auto secrets = read_secrets(m_, *log_p_, &why);
  const auto out = check_auth(parse_auth_users(users), user_, line.substr(sp + 1), groups_of(user_),
                              secrets, why, challenge, *digest);
  if (!out.error.empty()) return fail(" for " + user_ + ": " + out.error);
  if (out.opt == 'r') read_only_ = true;
  if (out.opt == 'w') read_only_ = false;
  return 0;
}

int ModuleServer::choose_ids() {
  const bool root = ::getuid() == 0;
  std::string u = m_.str("uid");
  if (u.empty() && root) u = "nobody";
  if (!u.empty()) {
    if (!to_uid(u, &uid_)) return refuse("@ERROR: invalid uid " + u, "Invalid uid " + u);
    set_uid_ = true;
  }
  std::vector<std::string> gs = split_words(m_.str("gid"));
  if (gs.empty() && root) gs.push_back(::getgrnam("nogroup") ? "nogroup" : "nobody");
  for (size_t i = 0; i < gs.size(); ++i) {
    if (gs[i] == "*" && i == 0) {
      const passwd* pw = ::getpwuid(uid_);
      int n = 256;
      std::vector<gid_t> all(256);
      if (!pw || ::getgrouplist(pw->pw_name, pw->pw_gid, all.data(), &n) < 0)
        return refuse("@ERROR: getgrouplist failed");
      all.resize(static_cast<size_t>(n));
      gids_.insert(gids_.end(), all.begin(), all.end());
      continue;
    }
    gid_t g = 0;
    if (!to_gid(gs[i], &g)) return refuse("@ERROR: invalid gid " + gs[i], "Invalid gid " + gs[i]);
    gids_.push_back(g);
  }
  return 0;
}

// Where the module is, whether to chroot, and whether paths must be
// sanitized (no chroot, or a chroot above the module: "/outer/./inner").
int ModuleServer::choose_path() {
  const std::string dir = m_.str("path");
  if (dir.empty())
    return refuse("@ERROR: no path setting.", "No path specified for module " + m_.name());
  int use_chroot = m_.bool3("use chroot");
  if (use_chroot < 0) {
    if (dir.find("/./") != std::string::npos) {
      use_chroot = 1;
    } else if (::chroot("/") < 0) {
      log_("chroot test failed: Switching 'use chroot' from unset to false.");
      use_chroot = 0;
    } else {
      use_chroot = 1;
    }
  }
  use_chroot_ = use_chroot == 1;
  std::string full;
  size_t inner_len = 0;
  if (use_chroot_) {
    const auto dot = dir.find("/./");
    if (dot != std::string::npos) {
      chroot_dir_ = normalize(dir.substr(0, dot));
      chdir_dir_ = normalize("/" + dir.substr(dot + 3));
      full = normalize(dir);
      inner_len = chdir_dir_ == "/" ? 0 : chdir_dir_.size();
    } else {
      chroot_dir_ = full = normalize(dir);
      chdir_dir_ = "/";
    }
    if (chroot_dir_.empty())
      return refuse("@ERROR: chdir failed", "normalize_path(" + dir + ") failed");
  } else {
    chdir_dir_ = full = normalize(dir);
    if (full.empty()) return refuse("@ERROR: chdir failed", "normalize_path(" + dir + ") failed");
    inner_len = full == "/" ? 0 : full.size();
  }
  set_env("RSYNC_MODULE_PATH", full);
  sanitize_ = inner_len > 0;
  munge_ = m_.bool3("munge symlinks");
  if (munge_ < 0) munge_ = (!use_chroot_ || inner_len) ? 1 : 0;
  return 0;
}

// chroot, chdir, the munge check and the change of user.
int ModuleServer::enter() {
  if (use_chroot_ && ::chroot(chroot_dir_.c_str()) != 0)
    return refuse("@ERROR: chroot failed", "chroot(\"" + chroot_dir_ + "\") failed");
  if (::chdir(chdir_dir_.c_str()) != 0)
    return refuse("@ERROR: chdir failed", "chdir " + chdir_dir_ + " failed");
  if (munge_) {
    struct stat st {};
    if (::stat(kMungePrefix, &st) == 0 && S_ISDIR(st.st_mode)) {
      log_(std::string("Symlink munging is unsafe when a ") + kMungePrefix + " directory exists.");
      (void)io_.write("@ERROR: daemon security issue -- contact admin\n");
      return static_cast<int>(ExitCode::kUnsupported);
    }
  }
  if (!gids_.empty()) {
    if (::setgid(gids_[0]) != 0) return refuse("@ERROR: setgid failed");
    if (::setgroups(gids_.size(), gids_.data()) != 0) return refuse("@ERROR: setgroups failed");
  }
  if (set_uid_ && (::setuid(uid_) != 0 || ::seteuid(uid_) != 0))
    return refuse("@ERROR: setuid failed");
  return 0;
}

int ModuleServer::run() {
  set_env("RSYNC_MODULE_NAME", m_.name());
  if (host_ == "UNDETERMINED" && m_.boolean("reverse lookup")) host_ = reverse_lookup(req_.addr);
  set_env("RSYNC_HOST_NAME", host_);
  set_env("RSYNC_HOST_ADDR", req_.addr);
  const std::string& name = m_.name();
  if (!allow_access(m_.str("hosts allow"), m_.str("hosts deny"), req_.addr, &host_,
                    m_.boolean("forward lookup"))) {
    log_("rsync denied on module " + name + " from " + host_ + " (" + req_.addr + ")");
    if (!m_.boolean("list")) return refuse("@ERROR: Unknown module '" + name + "'");
    return refuse("@ERROR: access denied to " + name + " from " + host_ + " (" + req_.addr + ")");
  }
  log_("rsync allowed access on module " + name + " from " + host_ + " (" + req_.addr + ")");
  const int max = m_.integer("max connections");
  switch (claim_connection(m_.str("lock file"), max)) {
    case ClaimResult::kClaimed: break;
    case ClaimResult::kLockFileError:
      return refuse("@ERROR: failed to open lock file",
                    "failed to open lock file " + m_.str("lock file"));
    case ClaimResult::kFull:
      return refuse(
          "@ERROR: max connections (" + std::to_string(max) + ") reached -- try again later",
          "max connections (" + std::to_string(max) + ") reached");
  }
  read_only_ = m_.boolean("read only");
  if (const int r = authenticate()) return r;
  set_env("RSYNC_USER_NAME", user_);
  if (const int r = choose_ids()) return r;
  if (const int r = choose_path()) return r;
  if (const int r = read_module_filters(m_, *log_p_, &filter_files_)) return r;
  // Upstream log_init(1): a module whose "log file" differs from the one in
  // use (--log-file, or the global one) logs there from now on (syslog when
  // it is empty).
  // An unchanged empty "log file" keeps syslog, reopened if the module
  // has its own tag or facility (upstream log_init(1)).
  const std::string tag = m_.str("syslog tag"), fac = m_.str("syslog facility");
  if (m_.str("log file") != log_p_->file() ||
      (log_p_->file().empty() && (tag != cfg_globals_tag_ || fac != cfg_globals_facility_))) {
    module_log_.emplace(m_.str("log file"), tag, syslog_facility(fac));
    log_p_ = &*module_log_;
  }

  const std::string early = m_.str("early exec"), pre = m_.str("pre-xfer exec"),
                    post = m_.str("post-xfer exec");
  if ((!early.empty() || !pre.empty() || !post.empty()) && !std::getenv("RSYNC_NO_XFER_EXEC")) {
    set_env("RSYNC_PID", std::to_string(::getpid()));
    if (!post.empty() && !fork_for_post_exec(post, {req_.in_fd, req_.out_fd}))
      return refuse("@ERROR: fork failed");
    if (!early.empty()) {
      PreExec e;
      if (!e.start(early, false)) return refuse("@ERROR: early exec preparation failed");
      if (!e.finish("early exec", {}, {}).empty()) return refuse("@ERROR: early exec failed");
    }
    if (!pre.empty()) {
      if (!pre_exec_.start(pre, true)) return refuse("@ERROR: pre-xfer exec preparation failed");
      has_pre_exec_ = true;
    }
  }
  if (const int r = enter()) return r;
  if (!io_.write(std::string(wire::kDaemonOk) + "\n").ok())
    return static_cast<int>(ExitCode::kSocketIo);
  return session();
}

// The client's arguments, then the transfer.
int ModuleServer::session() {
  ArgsDecoder dec(req_.protocol >= 30);
  if (!io_.read_args(&dec).ok()) return static_cast<int>(ExitCode::kStreamIo);
  std::vector<std::string> opts, raw_paths;
  bool dot = false;
  for (const auto& a : dec.args()) {
    if (!dot && a == ".") {
      dot = true;
      continue;
    }
    (dot ? raw_paths : opts).push_back(a);
  }
  std::string request;
  for (const auto& r : raw_paths) {
    if (request.size() >= 1024) break;
    if (!request.empty()) request += ' ';
    request += r;
  }
  const std::vector<std::string> paths = module_paths(m_.name(), raw_paths, sanitize_);

  cli::DaemonSession ds;
  ds.protocol = req_.protocol;
  ds.errors_as_messages = !p_.over_rsh;
  ds.module = m_.name();
  std::vector<std::string> argv = opts;
  argv.emplace_back("--");  // the paths are never options
  argv.emplace_back(".");
  argv.insert(argv.end(), paths.begin(), paths.end());
  cli::ParsedArgs parsed;
  // Without a chroot, every path an option names stays in the module
  // (upstream sanitize_path with the module as root: an absolute name is
  // taken from the module's directory).
  const auto confine = [this](const std::string& p) {
    if (p.empty()) return p;
    const std::string inner = sanitize_path(p);
    if (p[0] != '/') return inner;
    const std::string root = chdir_dir_ == "/" ? "" : chdir_dir_;
    return inner == "." ? (root.empty() ? "/" : root) : root + "/" + inner;
  };
  if (sanitize_) parsed.confine_path = confine;
  const Status ps = cli::parse_args(argv, &parsed);
  if (auto refused = refused_option(m_.str("refuse options"), opts)) {
    ds.fatal_error = "rsync: " + *refused + "\n";
  } else if (!ps.ok()) {
    ds.fatal_error = "rsync: on remote machine: " + std::string(ps.message()) + "\n";
  } else if (!parsed.unsupported.empty()) {
    ds.fatal_error = "rsync: on remote machine: " + parsed.unsupported.front() +
                     ": not supported by this crsync daemon\n";
  }
  session::Options o = parsed.opts;
  o.am_server = true;  // whatever the client sent
  if (sanitize_) {
    if (!o.temp_dir.empty()) o.temp_dir = confine(o.temp_dir);
    if (o.backup_dir) o.backup_dir = confine(*o.backup_dir);
    if (!o.files_from.empty() && o.files_from != "-") o.files_from = confine(o.files_from);
    // An absolute --partial-dir too (upstream 3.5.0's daemon then cannot
    // make it either: "Unable to create partial-dir").
    if (!o.partial_dir.empty() && o.partial_dir[0] == '/') o.partial_dir = confine(o.partial_dir);
    // Basis directories (--link-dest and its kin) may climb as many levels
    // as the destination lies inside the module, no more; an absolute one
    // starts at the module (upstream do_server_recv).
    int depth = 0;
    if (!paths.empty()) {
      const std::string d = sanitize_path(paths.front());
      size_t i = 0;
      while (i < d.size()) {
        size_t j = d.find('/', i);
        if (j == std::string::npos) j = d.size();
        if (j > i && d.compare(i, j - i, ".") != 0) ++depth;
        i = j + 1;
      }
    }
    for (std::string& b : o.basis_dirs)
      b = !b.empty() && b[0] == '/' ? confine(b) : sanitize_path(b, depth);
  }
  o.quiet = false;
  // "max verbosity" (upstream limit_output_verbosity, after the client's options).
  session::limit_output_verbosity(o.levels, m_.integer("max verbosity"));

  std::vector<std::string> rsyncd_argv{"rsyncd"};
  rsyncd_argv.insert(rsyncd_argv.end(), opts.begin(), opts.end());
  rsyncd_argv.emplace_back(".");
  rsyncd_argv.insert(rsyncd_argv.end(), paths.begin(), paths.end());
  if (has_pre_exec_) {
    const std::string err = pre_exec_.finish("pre-xfer exec", request, rsyncd_argv);
    if (!err.empty() && ds.fatal_error.empty()) ds.fatal_error = err;
  }
  if (!request.empty()) {
    log_(std::string("rsync ") + (o.am_sender ? "on " : "to ") + request + " from " +
         (user_.empty() ? "" : user_ + "@") + host_ + " (" + req_.addr + ")");
  }
  const int mod_timeout = m_.integer("timeout");
  if (mod_timeout && (!o.timeout || mod_timeout < o.timeout)) o.timeout = mod_timeout;
  ds.io_timeout = o.timeout;
  if (p_.bwlimit && (!o.bwlimit || o.bwlimit > p_.bwlimit)) o.bwlimit = p_.bwlimit;
  ds.read_only = read_only_;
  ds.write_only = m_.boolean("write only");
  const int numeric = m_.bool3("numeric ids");
  if (use_chroot_ ? numeric != 0 : numeric == 1) o.numeric_ids = true;
  o.munge_symlinks = munge_ != 0;
  // "fake super" (upstream am_root = -1, sending or receiving); a client's
  // own --fake-super is never sent (upstream would take it as --super).
  o.fake_super = m_.boolean("fake super");
  const ModuleIdentity who{host_, req_.addr, user_, p_.log_file_format};
  if (const std::string err = apply_module_settings(m_, filter_files_, who, log_p_, &o);
      !err.empty() && ds.fatal_error.empty())
    ds.fatal_error = "rsync: " + err + "\n";
  const std::string tmp = m_.str("temp dir");
  if (!tmp.empty() && o.temp_dir.empty()) o.temp_dir = tmp;
  // A receiving daemon's directories of the client's choosing must not be
  // ones the module hides (upstream parse_arguments' options_rejected).
  if (o.daemon_filter && !o.am_sender && ds.fatal_error.empty()) {
    const auto rejected = [&](const std::string& dir) {
      // A confined absolute name is checked from the module's root.
      std::string d = dir;
      if (sanitize_ && !d.empty() && d[0] == '/' && chdir_dir_ != "/" &&
          d.compare(0, chdir_dir_.size(), chdir_dir_) == 0)
        d = d.substr(chdir_dir_.size());
      return dir.empty() || o.daemon_filter->excluded(clean_path(d), true);
    };
    if ((!o.temp_dir.empty() && rejected(o.temp_dir)) || (o.backup_dir && rejected(*o.backup_dir)))
      ds.fatal_error = "rsync: Your options have been rejected by the server.\n";
  }

  // parsed.args is "." and then the paths.
  std::vector<std::string> server_paths(parsed.args.begin() + (parsed.args.empty() ? 0 : 1),
                                        parsed.args.end());
  if (o.daemon_filter && server_paths == paths) {
    // Wildcards never match what the module hides (upstream checks the
    // daemon filter list in glob_expand).
    const auto& df = *o.daemon_filter;
    server_paths =
        module_paths(m_.name(), raw_paths, sanitize_, [&df](const std::string& path, bool is_dir) {
          return !df.excluded(clean_path(path), is_dir);
        });
  }
  if (!o.am_sender && !server_paths.empty()) {
    // Where the receiving side's names are, for %f in the transfer log.
    std::string d = server_paths[0];
    struct stat st {};
    if (!d.empty() && d.back() != '/' && !(::stat(d.c_str(), &st) == 0 && S_ISDIR(st.st_mode))) {
      const auto slash = d.rfind('/');
      d = slash == std::string::npos ? std::string() : d.substr(0, slash);
    }
    o.daemon_dest_dir = filter::module_relative(d);
  }
  transport::FdChannel ch(req_.in_fd, req_.out_fd, false);
  if (o.timeout) ch.set_timeout_seconds(o.timeout);
  const auto res = cli::run_server(ch, o, server_paths, false, &ds);
  if (!p_.over_rsh && res.refused_pull) {
    int queued = 0;
    if (res.left_input_unread || (::ioctl(req_.in_fd, FIONREAD, &queued) == 0 && queued > 0)) {
      // Closing with the client's bytes unread resets the connection,
      // as upstream's exit does; the accept loop then skips its shutdown.
      const linger reset{1, 0};
      ::setsockopt(req_.in_fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
      return res.exit_code;
    }
  }
  ch.close_write();
  return res.exit_code;
}

}  // namespace

int serve_module(TextIo& io, const ModuleRequest& req, const DaemonConfig& cfg, int module,
                 const DaemonLog& log, const DaemonParams& p) {
  ModuleServer s(io, req, cfg, cfg.modules[static_cast<size_t>(module)], log, p);
  return s.run();
}

}  // namespace crsync::daemon
