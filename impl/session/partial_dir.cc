#include "session/partial_dir.h"

namespace crsync::session {

std::string clean_path(std::string_view name) {
  const bool anchored = !name.empty() && name[0] == '/';
  std::vector<std::string_view> parts;
  size_t i = anchored ? 1 : 0;
  while (i <= name.size()) {
    size_t j = name.find('/', i);
    if (j == std::string_view::npos) j = name.size();
    const std::string_view c = name.substr(i, j - i);
    i = j + 1;
    if (c.empty() || c == ".") continue;
    if (c == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
        continue;
      }
      if (anchored && parts.empty()) continue;  // "/.." is "/"
    }
    parts.push_back(c);
  }
  std::string out = anchored ? "/" : "";
  for (size_t k = 0; k < parts.size(); ++k) {
    if (k) out += '/';
    out += parts[k];
  }
  return out.empty() ? "." : out;
}

std::string partial_file_name(std::string_view partial_dir, std::string_view rel) {
  const size_t slash = rel.rfind('/');
  const std::string_view base = slash == std::string_view::npos ? rel : rel.substr(slash + 1);
  std::string out;
  if (slash != std::string_view::npos && (partial_dir.empty() || partial_dir[0] != '/'))
    out = std::string(rel.substr(0, slash + 1));
  out += partial_dir;
  if (!out.empty() && out.back() != '/') out += '/';
  out += base;
  return out;
}

std::vector<std::string> partial_dir_components(std::string_view partial_dir) {
  std::vector<std::string> out;
  if (partial_dir.empty() || partial_dir[0] == '/') return out;
  size_t i = 0;
  while (i <= partial_dir.size()) {
    size_t j = partial_dir.find('/', i);
    if (j == std::string_view::npos) j = partial_dir.size();
    const std::string_view c = partial_dir.substr(i, j - i);
    i = j + 1;
    if (c.empty() || c == ".") continue;
    if (c == "..") return {};
    out.emplace_back(c);
  }
  return out;
}

}  // namespace crsync::session
