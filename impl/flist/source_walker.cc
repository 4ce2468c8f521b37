#include "flist/source_walker.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "fs/fake_super.h"
#include "wire/protocol_format.h"

namespace crsync::flist {
namespace {

// stat_entry's *err for a failure that ends the transfer.
constexpr int kFatalStat = -1;

std::string join(const std::string& dir, const std::string& name) {
  if (dir.empty() || dir == ".") return name;
  if (dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

std::string errno_text(int e) {
  return std::string(std::strerror(e)) + " (" + std::to_string(e) + ")";
}

bool ends_with(const std::string& s, std::string_view tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// How an argument was written: a plain name, a directory's contents ("dir/",
// ".", "x/.."), or (-R only) a name written with a trailing slash.
enum class NameType { kNormal, kDotDir, kSlashEnding };

// True when `name` has a ".." component.
bool has_dot_dot(const std::string& name) {
  for (size_t p = name.find(".."); p != std::string::npos; p = name.find("..", p + 2)) {
    const bool starts = p == 0 || name[p - 1] == '/';
    const bool ends = p + 2 == name.size() || name[p + 2] == '/';
    if (starts && ends) return true;
  }
  return false;
}

class Walker {
 public:
  Walker(const WalkOptions& o, WalkResult* out) : o_(o), out_(out) {}

  // `origin` is the directory names are relative to ("" = the current one).
  Status add_arg(std::string arg, const std::string& origin);
  void send_directory(const std::string& base_dir, const std::string& dir_name);

 private:
  void add_plain(std::string arg, const std::string& origin);
  Status add_relative(std::string arg, const std::string& origin);
  // Steps shared by both forms once the argument is split into the
  // directory it is read from and the name it is sent under.
  void send_argument(const std::string& base, const std::string& fn, NameType type);
  void send_implied_dirs(const std::string& base, const std::string& parent);
  bool send_name(const std::string& base_dir, const std::string& name, bool follow,
                 const EntryRole& role, bool missing_is_vanished, bool filtered);
  bool usable_dir(const std::string& dir);
  bool excluded(const std::string& base_dir, const std::string& name, bool dir);

  const WalkOptions& o_;
  WalkResult* out_;
  // -R: the last implied path sent; its leading directories are not sent
  // again (upstream keeps one such path for the whole list).
  std::string lastpath_;
  int walk_dirfd_ = -1;  // the directory send_directory is reading, else -1
  // -R: 0 = no implied "." yet, -1 = one is due (an argument began with
  // "./"), 1 = sent.
  int implied_dot_dir_ = 0;
};

bool Walker::send_name(const std::string& base_dir, const std::string& name, bool follow,
                       const EntryRole& role, bool missing_is_vanished, bool filtered) {
  SendEntry se;
  int err = 0;
  const std::string local = join(base_dir, name);
  // Inside send_directory's loop the name is a child of the open directory.
  const char* leaf = nullptr;
  if (walk_dirfd_ >= 0) {
    const size_t slash = name.rfind('/');
    leaf = name.c_str() + (slash == std::string::npos ? 0 : slash + 1);
  }
  Status s = stat_entry(local, name, follow, o_, &se, &err, walk_dirfd_, leaf);
  if (!s.ok()) {
    if (err == kFatalStat) {
      if (out_->fatal.ok()) out_->fatal = s;
    } else if (err == ENOENT) {
      if (missing_is_vanished) {
        out_->io_error |= static_cast<int32_t>(wire::kIoerrVanished);
        out_->errors.push_back("file has vanished: \"" + local + "\"" + o_.name_suffix);
      } else {
        out_->errors.push_back("link_stat \"" + local + "\"" + o_.name_suffix +
                               " failed: " + errno_text(err));
        out_->xfer_error = true;
      }
    } else {
      out_->io_error |= static_cast<int32_t>(wire::kIoerrGeneral);
      out_->errors.push_back(std::string(s.message()));
    }
    return false;
  }
  const uint32_t m = se.entry.mode;
  if (filtered && name != "." && excluded(base_dir, name, is_dir(m))) return false;
  if (o_.ignore_nonreadable && !is_lnk(m) && ::access(local.c_str(), R_OK) != 0) return false;
  // Without -l a symlink is still listed (without its target): the
  // receiving side skips it ("skipping non-regular file"), and a listing
  // shows it.
  if (is_lnk(m) && o_.preserve_links && se.entry.link_target.empty()) {
    out_->io_error |= static_cast<int32_t>(wire::kIoerrGeneral);
    out_->errors.push_back("skipping symlink with 0-length value: \"" + local + "\"");
    return false;
  }
  se.role.top_dir = role.top_dir;
  se.role.content_dir = role.content_dir && is_dir(m);
  se.role.implied_dir = role.implied_dir;
  se.base_dir = base_dir;
  out_->entries.push_back(std::move(se));
  return true;
}

bool Walker::excluded(const std::string& base_dir, const std::string& name, bool dir) {
  if (o_.daemon_filter && o_.daemon_filter->excluded(base_dir, name, dir)) return true;
  if (!o_.rules) return false;
  if (!o_.dir_filters) return filter::is_excluded(*o_.rules, name, dir);
  filter::DirFilters& f = o_.dir_filters->at(base_dir);
  const bool x = f.excluded(name, dir, filter::Side::kSender);
  for (auto& e : f.take_errors()) {
    out_->io_error |= static_cast<int32_t>(wire::kIoerrGeneral);
    out_->errors.push_back(std::move(e));
  }
  return x;
}

void Walker::send_directory(const std::string& base_dir, const std::string& dir_name) {
  const std::string local = join(base_dir, dir_name);
  if (dir_name == "." && o_.dir_filters) o_.dir_filters->at(base_dir).set_root_read(true);
  DIR* d = ::opendir(local.c_str());
  if (!d) {
    const int e = errno;
    out_->io_error |=
        static_cast<int32_t>(e == ENOENT ? wire::kIoerrVanished : wire::kIoerrGeneral);
    out_->errors.push_back("opendir \"" + local + "\"" + o_.name_suffix +
                           " failed: " + errno_text(e));
    return;
  }
  const size_t first = out_->entries.size();
  EntryRole child;
  child.content_dir = o_.recursive;
  for (;;) {
    errno = 0;
    const dirent* de = ::readdir(d);
    if (!de) {
      if (errno) {
        out_->io_error |= static_cast<int32_t>(wire::kIoerrGeneral);
        out_->errors.push_back("readdir(\"" + local + "\"" + o_.name_suffix +
                               "): " + std::strerror(errno));
      }
      break;
    }
    const std::string n = de->d_name;
    if (n == "." || n == "..") continue;
    const std::string rel = dir_name == "." ? n : dir_name + "/" + n;
    if (rel.size() >= static_cast<size_t>(wire::kMaxPathLen)) {
      out_->io_error |= static_cast<int32_t>(wire::kIoerrGeneral);
      out_->errors.push_back("skipping overly long name: " + rel);
      continue;
    }
    walk_dirfd_ = ::dirfd(d);
    send_name(base_dir, rel, o_.copy_links, child, true, true);
    walk_dirfd_ = -1;
  }
  ::closedir(d);
  if (!o_.recursive || o_.incremental) return;
  const size_t last = out_->entries.size();
  for (size_t i = first; i < last; ++i) {
    if (!is_dir(out_->entries[i].entry.mode)) continue;
    if (!out_->entries[i].role.content_dir) continue;
    const std::string name = out_->entries[i].entry.name;
    send_directory(base_dir, name);
  }
}

// Upstream changes into each argument's directory before looking at the
// name; a directory it cannot enter skips the argument.
bool Walker::usable_dir(const std::string& dir) {
  struct stat st {};
  const std::string d = dir.empty() ? "." : dir;
  int e = 0;
  if (o_.daemon_filter && o_.daemon_filter->path_excluded(d, false))
    e = ENOENT;  // a directory the module hides does not exist for the client
  else if (::stat(d.c_str(), &st) != 0)
    e = errno;
  else if (!S_ISDIR(st.st_mode))
    e = ENOTDIR;
  else if (::access(d.c_str(), X_OK) != 0)
    e = errno;
  if (e == 0) return true;
  out_->io_error |= static_cast<int32_t>(wire::kIoerrGeneral);
  out_->errors.push_back("change_dir \"" + d + "\"" + o_.name_suffix + " failed: " + errno_text(e));
  return false;
}

Status Walker::add_arg(std::string arg, const std::string& origin) {
  if (o_.relative) return add_relative(std::move(arg), origin);
  add_plain(std::move(arg), origin);
  return Status::Ok();
}

void Walker::add_plain(std::string arg, const std::string& origin) {
  NameType type = NameType::kNormal;
  if (arg.empty() || arg.back() == '/') {
    if (arg == "./")
      arg = ".";
    else
      arg += ".";
    type = NameType::kDotDir;
  } else if (arg == ".." || ends_with(arg, "/..")) {
    arg += "/.";
    type = NameType::kDotDir;
  } else if (arg == "." || ends_with(arg, "/.")) {
    type = NameType::kDotDir;
  }
  std::string dir, fn;
  const auto slash = arg.rfind('/');
  if (slash == std::string::npos) {
    fn = arg;
  } else {
    dir = slash == 0 ? "/" : arg.substr(0, slash);
    fn = arg.substr(slash + 1);
  }
  if (fn.empty()) {
    fn = ".";
    type = NameType::kDotDir;
  }
  std::string base = origin;
  if (!dir.empty()) base = dir[0] == '/' ? dir : join(origin, dir);
  // A directory the module hides cannot be entered (upstream change_pathname).
  if (o_.daemon_filter && !dir.empty() && !usable_dir(base)) return;
  send_argument(base, fn, type);
}

Status Walker::add_relative(std::string arg, const std::string& origin) {
  std::string dir;
  bool has_dir = false;
  std::string fn;
  const auto mark = arg.find("/./");
  if (mark != std::string::npos) {
    has_dir = true;
    dir = mark == 0 ? "/" : clean_name(arg.substr(0, mark), false, false);
    size_t from = mark + 3;
    while (from < arg.size() && arg[from] == '/') ++from;
    fn = arg.substr(from);
  } else {
    fn = arg;
  }
  // A leading "./" puts the transfer root itself in the list (once).
  if (fn.size() > 2 && fn[0] == '.' && fn[1] == '/' && implied_dot_dir_ == 0) implied_dot_dir_ = -1;
  fn = clean_name(fn, true, true);
  NameType type = NameType::kNormal;
  if (fn.size() == 1) {
    if (fn[0] == '/') {
      fn = "/.";
      type = NameType::kDotDir;
    } else if (fn[0] == '.') {
      type = NameType::kDotDir;
    }
  } else if (!fn.empty() && fn.back() == '/') {
    fn.pop_back();
    type = fn == "." ? NameType::kDotDir : NameType::kSlashEnding;
  }
  if (has_dot_dot(fn))
    return Status::Error(ExitCode::kSyntax, "found \"..\" dir in relative path: " + fn);
  if (fn.empty()) {
    fn = ".";
    type = NameType::kDotDir;
  }
  std::string base = origin;
  if (has_dir) base = dir[0] == '/' ? dir : join(origin, dir);
  if (!usable_dir(base)) {
    if (implied_dot_dir_ < 0) implied_dot_dir_ = 0;
    return Status::Ok();
  }
  if (implied_dot_dir_ < 0) {
    implied_dot_dir_ = 1;
    EntryRole dot;
    dot.implied_dir = true;
    send_name(base, ".", false, dot, true, true);
  }
  send_argument(base, fn, type);
  return Status::Ok();
}

void Walker::send_argument(const std::string& base, const std::string& fn, NameType type) {
  const bool follow = o_.copy_links || o_.copy_dirlinks || type != NameType::kNormal;
  SendEntry probe;
  int err = 0;
  const bool found = stat_entry(join(base, fn), fn, follow, o_, &probe, &err).ok();
  if (!found && o_.relative) {
    // Reported here so that no implied directory goes out for it.
    send_name(base, fn, follow, EntryRole{}, false, false);
    return;
  }
  // A name the module hides is reported as missing (upstream send_file_list).
  if (o_.daemon_filter && found &&
      ((type != NameType::kDotDir &&
        o_.daemon_filter->excluded(base, fn, is_dir(probe.entry.mode))) ||
       (o_.relative && o_.daemon_filter->path_excluded(join(base, fn), true)))) {
    out_->errors.push_back("link_stat \"" + join(base, fn) + "\"" + o_.name_suffix +
                           " failed: " + errno_text(ENOENT));
    out_->xfer_error = true;
    return;
  }
  if (found) {
    if (type != NameType::kDotDir && excluded(base, fn, is_dir(probe.entry.mode))) return;
    if (is_dir(probe.entry.mode) && !o_.recursive && !o_.dirs) {
      out_->infos.push_back("skipping directory " + fn);
      return;
    }
  }
  if (o_.relative && (o_.implied_dirs || o_.protocol >= 30)) {
    const auto slash = fn.rfind('/');
    if (slash != std::string::npos && slash != 0) send_implied_dirs(base, fn.substr(0, slash));
  }
  EntryRole role;
  const bool whole = o_.recursive || (o_.dirs && type != NameType::kNormal);
  if (whole) {
    role.top_dir = true;
    role.content_dir = true;
  }
  const size_t before = out_->entries.size();
  if (!send_name(base, fn, follow, role, false, false)) return;
  const SendEntry& sent = out_->entries[before];
  if (!whole || !is_dir(sent.entry.mode)) return;
  // Incremental recursion scans a named directory in its own sub-list.
  if (o_.incremental && type == NameType::kNormal) return;
  send_directory(base, fn);
}

// Non-incremental send_implied_dirs: every directory leading to `parent`
// (and `parent` itself) that the previous implied path did not already
// cover. Implied directories follow symlinks and are never filtered.
void Walker::send_implied_dirs(const std::string& base, const std::string& parent) {
  // Find the last '/' that `parent` shares with lastpath_; a parent equal
  // to lastpath_ or leading into it needs nothing.
  size_t start = 0;
  bool any_common = false;
  for (size_t i = 0;; ++i) {
    if (i == parent.size()) {
      if (i == lastpath_.size() || lastpath_[i] == '/') return;
      break;
    }
    if (i >= lastpath_.size() || lastpath_[i] != parent[i]) break;
    if (parent[i] == '/') {
      start = i;
      any_common = true;
    }
  }
  EntryRole implied;
  implied.implied_dir = true;
  // Components end at each '/' after the common part (a leading '/' does
  // not end one).
  for (size_t slash = parent.find('/', any_common ? start + 1 : 1); slash != std::string::npos;
       slash = parent.find('/', slash + 1))
    send_name(base, parent.substr(0, slash), true, implied, true, false);
  send_name(base, parent, true, implied, true, false);
  lastpath_ = parent;
}

}  // namespace

std::string clean_name(std::string_view in, bool keep_trailing_slash, bool drop_trailing_dot_dir) {
  std::string t;
  size_t f = 0;
  const bool anchored = !in.empty() && in[0] == '/';
  if (anchored) {
    t += '/';
    f = 1;
  }
  while (f < in.size()) {
    if (in[f] == '/') {
      ++f;
      continue;
    }
    if (in[f] == '.') {
      if (f + 1 < in.size() && in[f + 1] == '/') {
        f += 2;
        continue;
      }
      if (f + 1 == in.size() && drop_trailing_dot_dir) break;
    }
    while (f < in.size()) {
      const char c = in[f++];
      t += c;
      if (c == '/') break;
    }
  }
  if (t.size() > (anchored ? 1u : 0u) && t.back() == '/' && !keep_trailing_slash) t.pop_back();
  if (t.empty()) t = ".";
  return t;
}

std::string sanitize_list_name(std::string_view p, bool keep_dot_dirs) {
  const bool drop_dot_dirs = !keep_dot_dirs;
  size_t i = 0;
  if (drop_dot_dirs)
    while (i + 1 < p.size() && p[i] == '.' && p[i + 1] == '/') i += 2;
  std::string out;
  while (i < p.size()) {
    if (p[i] == '/') {
      ++i;
      continue;
    }
    const bool last = i + 1 == p.size();
    if (drop_dot_dirs && p[i] == '.' && (last || p[i + 1] == '/')) {
      ++i;
      continue;
    }
    if (p[i] == '.' && !last && p[i + 1] == '.' && (i + 2 == p.size() || p[i + 2] == '/')) {
      // ".." may not climb: it cancels the component before it, if any.
      i += 2;
      if (!out.empty()) {
        out.pop_back();
        while (!out.empty() && out.back() != '/') out.pop_back();
      }
      continue;
    }
    while (i < p.size()) {
      const char c = p[i++];
      out += c;
      if (c == '/') break;
    }
  }
  if (out.empty()) out = ".";
  return out;
}

std::vector<std::string> split_files_from(std::string_view text, bool from0) {
  std::vector<std::string> names;
  std::string cur;
  size_t len = 0;
  const size_t keep = static_cast<size_t>(wire::kMaxPathLen) - 1;
  auto finish = [&] {
    if (!cur.empty() && cur[0] != '#' && cur[0] != ';') names.push_back(cur);
    cur.clear();
    len = 0;
  };
  for (const char c : text) {
    const bool eol = from0 ? c == '\0' : (c == '\n' || c == '\r');
    if (eol) {
      if (len == 0) continue;  // empty line
      finish();
      continue;
    }
    if (len++ < keep) cur += c;
  }
  if (len) finish();
  return names;
}

std::string files_from_wire_form(std::string_view text, bool from0) {
  std::string out;
  bool last_was_nul = true;  // so leading NULs are dropped
  for (char c : text) {
    if (!from0 && (c == '\n' || c == '\r')) c = '\0';
    if (c == '\0') {
      if (last_was_nul) continue;
      last_was_nul = true;
    } else {
      last_was_nul = false;
    }
    out += c;
  }
  // End the last name if the text did not, then the empty name.
  if (!last_was_nul) out += '\0';
  out += '\0';
  return out;
}

size_t FilesFromReader::feed(std::string_view bytes) {
  const size_t keep = static_cast<size_t>(wire::kMaxPathLen) - 1;
  size_t used = 0;
  while (used < bytes.size() && !done_) {
    const char c = bytes[used++];
    if (c != '\0') {
      if (cur_len_++ < keep) cur_ += c;
      continue;
    }
    if (cur_len_ == 0) {
      done_ = true;
      break;
    }
    names_.push_back(std::move(cur_));
    cur_.clear();
    cur_len_ = 0;
  }
  return used;
}

Status stat_entry(const std::string& local_path, const std::string& name, bool follow,
                  const WalkOptions& o, SendEntry* out, int* err, int dirfd, const char* at_name) {
  struct stat st {};
  const int at = at_name ? dirfd : AT_FDCWD;
  const char* path = at_name ? at_name : local_path.c_str();
  int r = ::fstatat(at, path, &st, follow ? 0 : AT_SYMLINK_NOFOLLOW);
  if (r != 0 && follow && errno == ENOENT) r = ::fstatat(at, path, &st, AT_SYMLINK_NOFOLLOW);
  if (r != 0) {
    *err = errno;
    return Status::Error(ExitCode::kPartial, "link_stat \"" + local_path +
                                                 "\" failed: " + std::strerror(errno) + " (" +
                                                 std::to_string(errno) + ")");
  }
  if (o.fake_super) {
    if (Status f = fs::overlay_fake_stat_path(local_path, &st); !f.ok()) {
      *err = kFatalStat;
      return f;
    }
  }
  // -k: a symlink to a directory is sent as the directory.
  if (S_ISLNK(st.st_mode) && o.copy_dirlinks) {
    struct stat t {};
    // (upstream's x_stat reads the symlink's own xattrs: Linux has none.)
    if (::stat(local_path.c_str(), &t) == 0 && S_ISDIR(t.st_mode)) st = t;
  }
  FileEntry& e = out->entry;
  e.name = name;
  e.mode = st.st_mode;
  if (o.chmod && !S_ISLNK(e.mode) && e.mode) e.mode = o.chmod->apply(e.mode);
  e.size = st.st_size;
  e.mtime = st.st_mtim.tv_sec;
  e.mtime_nsec = static_cast<uint32_t>(st.st_mtim.tv_nsec);
  e.atime = st.st_atim.tv_sec;
  e.uid = st.st_uid;
  e.gid = st.st_gid;
  out->local_path = local_path;
  out->role.mod_nsec = st.st_mtim.tv_nsec != 0;
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
    e.rdev_major = major(st.st_rdev);
    e.rdev_minor = minor(st.st_rdev);
    e.size = 0;
  } else if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) {
    e.size = 0;
  } else if (S_ISLNK(st.st_mode)) {
    char buf[wire::kMaxPathLen];
    const ssize_t n = o.fake_super ? fs::read_fake_link_path(local_path, buf, sizeof buf, true)
                                   : ::readlink(local_path.c_str(), buf, sizeof buf);
    if (n < 0) {
      *err = errno;
      return Status::Error(ExitCode::kPartial,
                           "readlink \"" + local_path + "\" failed: " + std::strerror(errno));
    }
    e.link_target.assign(buf, static_cast<size_t>(n));
    // A daemon module's munged symlink is sent as it was uploaded.
    const std::string_view prefix = wire::kSymlinkPrefix;
    if (o.munge_symlinks && e.link_target.size() > prefix.size() &&
        e.link_target.compare(0, prefix.size(), prefix) == 0)
      e.link_target.erase(0, prefix.size());
  }
  if (o.preserve_hard_links && !S_ISDIR(st.st_mode) && st.st_nlink > 1) {
    out->role.has_hlink = true;
    out->role.dev = st.st_dev;
    out->role.ino = st.st_ino;
  }
  return Status::Ok();
}

Status walk_sources(const std::vector<std::string>& args, const WalkOptions& o, WalkResult* out) {
  Walker w(o, out);
  for (const auto& a : args) CRSYNC_RETURN_IF_ERROR(w.add_arg(a, ""));
  return out->fatal;
}

Status walk_files_from(const std::string& origin, const std::vector<std::string>& names,
                       const WalkOptions& o, WalkResult* out) {
  if (!origin.empty()) {
    struct stat st {};
    int e = 0;
    if (::stat(origin.c_str(), &st) != 0)
      e = errno;
    else if (!S_ISDIR(st.st_mode))
      e = ENOTDIR;
    if (e)
      return Status::Error(ExitCode::kFileSelect,
                           "[sender] change_dir \"" + origin + "\" failed: " + errno_text(e));
  }
  Walker w(o, out);
  for (const auto& n : names)
    CRSYNC_RETURN_IF_ERROR(w.add_arg(sanitize_list_name(n, o.relative), origin));
  return out->fatal;
}

void scan_directory(const SendEntry& dir, const WalkOptions& o, WalkResult* out) {
  if (!dir.role.content_dir) return;
  Walker w(o, out);
  w.send_directory(dir.base_dir, dir.entry.name);
}

filter::DirFilters& SenderDirFilters::at(const std::string& base_dir) {
  auto& slot = roots_[base_dir];
  if (!slot) {
    const std::string root = base_dir.empty() ? "." : base_dir;
    char abs[PATH_MAX];
    const std::string root_abs = ::realpath(root.c_str(), abs) ? abs : "";
    auto reader = [root](const std::string& dir,
                         const std::string& name) -> std::optional<std::string> {
      const std::string path = !dir.empty() && dir[0] == '/'
                                   ? (dir == "/" ? "" : dir) + "/" + name
                                   : root + "/" + (dir.empty() ? "" : dir + "/") + name;
      std::FILE* f = std::fopen(path.c_str(), "rb");
      if (!f) return std::nullopt;
      std::string content;
      char buf[8192];
      size_t n;
      while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) content.append(buf, n);
      std::fclose(f);
      return content;
    };
    slot = std::make_unique<filter::DirFilters>(rules_, std::move(reader), root_abs);
  }
  return *slot;
}

}  // namespace crsync::flist
