#include "flist/flist_sort.h"

#include <algorithm>
#include <string_view>

namespace crsync::flist {
namespace {

// One path component and whether it sorts as a directory ("path") or an
// item at its level.
struct Level {
  std::string_view name;
  bool path;
};

// Splits "a/b/c" into its levels; the last one is a path only for a
// directory, and a lone "." (the transfer root) is an empty item.
std::vector<Level> levels(const FileEntry& e) {
  std::vector<Level> out;
  std::string_view n = e.name;
  size_t i = 0;
  while (true) {
    const size_t j = n.find('/', i);
    if (j == std::string_view::npos) {
      std::string_view last = n.substr(i);
      if (is_dir(e.mode) && last == ".")
        out.push_back({std::string_view(), false});
      else
        out.push_back({last, is_dir(e.mode)});
      return out;
    }
    out.push_back({n.substr(i, j - i), true});
    i = j + 1;
  }
}

int cmp_bytes(std::string_view a, std::string_view b) {
  const int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

}  // namespace

int f_name_cmp(const FileEntry& a, const FileEntry& b, int protocol) {
  if (protocol < 29) return cmp_bytes(a.name, b.name);
  const auto la = levels(a);
  const auto lb = levels(b);
  for (size_t i = 0; i < la.size() && i < lb.size(); ++i) {
    if (la[i].path != lb[i].path) return la[i].path ? 1 : -1;
    if (la[i].name != lb[i].name) {
      if (!la[i].path) return cmp_bytes(la[i].name, lb[i].name);
      // Directories compare with their trailing '/'.
      std::string x(la[i].name), y(lb[i].name);
      x += '/';
      y += '/';
      return cmp_bytes(x, y);
    }
  }
  return la.size() == lb.size() ? 0 : (la.size() < lb.size() ? -1 : 1);
}

void sort_file_list(std::vector<FileEntry>& list, int protocol) {
  std::stable_sort(list.begin(), list.end(), [protocol](const FileEntry& x, const FileEntry& y) {
    return f_name_cmp(x, y, protocol) < 0;
  });
}

}  // namespace crsync::flist
