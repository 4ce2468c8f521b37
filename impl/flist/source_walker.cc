#include "flist/source_walker.h"

#include <dirent.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "wire/protocol_format.h"

namespace crsync::flist {
namespace {

std::string join(const std::string& dir, const std::string& name) {
  if (dir.empty() || dir == ".") return name;
  if (dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

enum class NameType { kNormal, kDotDir };

class Walker {
 public:
  Walker(const WalkOptions& o, WalkResult* out) : o_(o), out_(out) {}

  void add_arg(std::string arg);
  void send_directory(const std::string& base_dir, const std::string& dir_name);

 private:
  bool send_name(const std::string& base_dir, const std::string& name, bool follow,
                 const EntryRole& role, bool missing_is_vanished);

  const WalkOptions& o_;
  WalkResult* out_;
};

bool Walker::send_name(const std::string& base_dir, const std::string& name, bool follow,
                       const EntryRole& role, bool missing_is_vanished) {
  SendEntry se;
  int err = 0;
  const std::string local = join(base_dir, name);
  Status s = stat_entry(local, name, follow, o_, &se, &err);
  if (!s.ok()) {
    if (err == ENOENT) {
      if (missing_is_vanished) {
        out_->io_error |= static_cast<int32_t>(wire::kIoerrVanished);
        out_->errors.push_back("file has vanished: \"" + local + "\"");
      } else {
        out_->errors.push_back("link_stat \"" + local + "\" failed: " + std::strerror(err) + " (" +
                               std::to_string(err) + ")");
        out_->io_error |= static_cast<int32_t>(wire::kIoerrGeneral);
      }
    } else {
      out_->io_error |= static_cast<int32_t>(wire::kIoerrGeneral);
      out_->errors.push_back(std::string(s.message()));
    }
    return false;
  }
  const uint32_t m = se.entry.mode;
  if (o_.rules && name != "." && filter::is_excluded(*o_.rules, name, is_dir(m))) return false;
  if (is_lnk(m) && !o_.preserve_links) {
    out_->infos.push_back("skipping non-regular file \"" + name + "\"");
    return false;
  }
  if (is_lnk(m) && se.entry.link_target.empty()) {
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

void Walker::send_directory(const std::string& base_dir, const std::string& dir_name) {
  const std::string local = join(base_dir, dir_name);
  DIR* d = ::opendir(local.c_str());
  if (!d) {
    const int e = errno;
    out_->io_error |=
        static_cast<int32_t>(e == ENOENT ? wire::kIoerrVanished : wire::kIoerrGeneral);
    out_->errors.push_back("opendir \"" + local + "\" failed: " + std::strerror(e) + " (" +
                           std::to_string(e) + ")");
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
        out_->errors.push_back("readdir(\"" + local + "\"): " + std::strerror(errno));
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
    send_name(base_dir, rel, o_.copy_links, child, true);
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

void Walker::add_arg(std::string arg) {
  NameType type = NameType::kNormal;
  if (arg.empty() || arg.back() == '/') {
    if (arg == "./")
      arg = ".";
    else
      arg += ".";
    type = NameType::kDotDir;
  } else if (arg == ".." || (arg.size() >= 3 && arg.compare(arg.size() - 3, 3, "/..") == 0)) {
    arg += "/.";
    type = NameType::kDotDir;
  } else if (arg == "." || (arg.size() >= 2 && arg.compare(arg.size() - 2, 2, "/.") == 0)) {
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
  const bool follow = o_.copy_links || o_.copy_dirlinks || type != NameType::kNormal;
  SendEntry probe;
  int err = 0;
  if (stat_entry(join(dir, fn), fn, follow, o_, &probe, &err).ok() && is_dir(probe.entry.mode) &&
      !(o_.recursive || (o_.dirs && type == NameType::kDotDir)) && !o_.dirs) {
    out_->infos.push_back("skipping directory " + fn);
    return;
  }
  EntryRole role;
  if (o_.recursive || (o_.dirs && type == NameType::kDotDir)) {
    role.top_dir = true;
    role.content_dir = true;
  }
  const size_t before = out_->entries.size();
  if (!send_name(dir, fn, follow, role, false)) return;
  const SendEntry& sent = out_->entries[before];
  if (o_.incremental && type == NameType::kNormal) return;  // its sub-list scans it
  if (is_dir(sent.entry.mode) && role.content_dir && (o_.recursive || type == NameType::kDotDir))
    send_directory(dir, fn);
}

}  // namespace

Status stat_entry(const std::string& local_path, const std::string& name, bool follow,
                  const WalkOptions& o, SendEntry* out, int* err) {
  struct stat st {};
  int r = follow ? ::stat(local_path.c_str(), &st) : ::lstat(local_path.c_str(), &st);
  if (r != 0 && follow && errno == ENOENT) r = ::lstat(local_path.c_str(), &st);
  if (r != 0) {
    *err = errno;
    return Status::Error(ExitCode::kPartial, "link_stat \"" + local_path +
                                                 "\" failed: " + std::strerror(errno) + " (" +
                                                 std::to_string(errno) + ")");
  }
  // -k: a symlink to a directory is sent as the directory.
  if (S_ISLNK(st.st_mode) && o.copy_dirlinks) {
    struct stat t {};
    if (::stat(local_path.c_str(), &t) == 0 && S_ISDIR(t.st_mode)) st = t;
  }
  FileEntry& e = out->entry;
  e.name = name;
  e.mode = st.st_mode;
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
    const ssize_t n = ::readlink(local_path.c_str(), buf, sizeof buf);
    if (n < 0) {
      *err = errno;
      return Status::Error(ExitCode::kPartial,
                           "readlink \"" + local_path + "\" failed: " + std::strerror(errno));
    }
    e.link_target.assign(buf, static_cast<size_t>(n));
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
  for (const auto& a : args) w.add_arg(a);
  return Status::Ok();
}

void scan_directory(const SendEntry& dir, const WalkOptions& o, WalkResult* out) {
  if (!dir.role.content_dir) return;
  Walker w(o, out);
  w.send_directory(dir.base_dir, dir.entry.name);
}

}  // namespace crsync::flist
