#include "daemon/glob_expand.h"

#include <dirent.h>
#include <sys/stat.h>

#include <memory>

#include "filter/wildmatch.h"

namespace crsync::daemon {
namespace {

struct Globber {
  std::vector<std::string>* out;
  const GlobFilter& allowed;

  // `rest` is what is left of the argument after `built` (which ends in
  // '/' or is empty); `last` says whether there was no slash left.
  void match(std::string built, std::string rest) {
    // Leading "./" pairs are copied as they are.
    while (rest.size() >= 2 && rest[0] == '.' && rest[1] == '/') {
      built += "./";
      rest.erase(0, 2);
    }
    const auto slash = rest.find('/');
    const bool more = slash != std::string::npos;
    const std::string comp = more ? rest.substr(0, slash) : rest;
    const std::string after = more ? rest.substr(slash + 1) : std::string();
    if (comp.find_first_of("*?[") == std::string::npos) {
      add(built, comp, false, more, after);
      return;
    }
    std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(built.empty() ? "." : built.c_str()),
                                          ::closedir);
    if (!d) return;
    while (const dirent* e = ::readdir(d.get())) {
      const std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      if (!filter::wildmatch(comp, name)) continue;
      add(built, name, true, more, after);
    }
  }

  void add(const std::string& built, const std::string& name, bool from_glob, bool more,
           const std::string& after) {
    const std::string path = built + name;
    if (from_glob || (more && !name.empty())) {
      struct stat st {};
      if (::stat(path.c_str(), &st) != 0) return;
      const bool is_dir = S_ISDIR(st.st_mode);
      if (more && !is_dir) return;
      if (allowed && !allowed(path, is_dir)) return;
    }
    if (more)
      match(path + "/", after);
    else
      out->push_back(path);
  }
};

}  // namespace

bool glob_expand(const std::string& arg, std::vector<std::string>* out, const GlobFilter& allowed) {
  const size_t before = out->size();
  Globber g{out, allowed};
  g.match(std::string(), arg);
  if (out->size() != before) return true;
  out->push_back(arg);
  return false;
}

}  // namespace crsync::daemon
