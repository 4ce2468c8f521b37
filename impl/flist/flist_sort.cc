#include "flist/flist_sort.h"

#include <algorithm>
#include <string_view>

namespace crsync::flist {
namespace {

// One path component and whether it sorts as a directory ("path") or an
// item at its level.
struct Level {
  std::string_view name;
  bool path = false;
};

// Walks "a/b/c" level by level without allocating (the comparison runs
// n log n times while a list is sorted): every component but the last is a
// path; the last is a path only for a directory, and a lone "." (the
// transfer root) is an empty item.
class Levels {
 public:
  explicit Levels(const FileEntry& e) : name_(e.name), dir_(is_dir(e.mode)) {}

  // The next level into `out`; false when there is none.
  bool next(Level* out) {
    if (done_) return false;
    const size_t j = name_.find('/', at_);
    if (j == std::string_view::npos) {
      const std::string_view last = name_.substr(at_);
      done_ = true;
      *out = dir_ && last == "." ? Level{} : Level{last, dir_};
      return true;
    }
    *out = Level{name_.substr(at_, j - at_), true};
    at_ = j + 1;
    return true;
  }

 private:
  std::string_view name_;
  bool dir_;
  size_t at_ = 0;
  bool done_ = false;
};

int cmp_bytes(std::string_view a, std::string_view b) {
  const int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

// Compares two different directory names as if each ended in '/'.
int cmp_with_slash(std::string_view a, std::string_view b) {
  const size_t n = std::min(a.size(), b.size());
  const int c = cmp_bytes(a.substr(0, n), b.substr(0, n));
  if (c != 0) return c;
  // One is a prefix of the other: its '/' meets the other's next byte.
  const auto slash = static_cast<unsigned char>('/');
  if (a.size() < b.size()) return slash < static_cast<unsigned char>(b[n]) ? -1 : 1;
  return static_cast<unsigned char>(a[n]) < slash ? -1 : 1;
}

}  // namespace

int f_name_cmp(const FileEntry& a, const FileEntry& b, int protocol) {
  if (protocol < 29) return cmp_bytes(a.name, b.name);
  Levels la(a), lb(b);
  for (;;) {
    Level x, y;
    const bool hx = la.next(&x);
    const bool hy = lb.next(&y);
    // The one with fewer levels sorts first.
    if (!hx || !hy) return hx == hy ? 0 : (hx ? 1 : -1);
    if (x.path != y.path) return x.path ? 1 : -1;
    if (x.name != y.name)
      return x.path ? cmp_with_slash(x.name, y.name) : cmp_bytes(x.name, y.name);
  }
}

void sort_file_list(std::vector<FileEntry>& list, int protocol) {
  std::stable_sort(list.begin(), list.end(), [protocol](const FileEntry& x, const FileEntry& y) {
    return f_name_cmp(x, y, protocol) < 0;
  });
}

}  // namespace crsync::flist
