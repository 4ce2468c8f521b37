#include "flist/file_entry.h"

namespace crsync::flist {

bool is_known_file_type(uint32_t mode) {
  switch (mode & kModeTypeMask) {
    case kModeDir:
    case kModeReg:
    case kModeLnk:
    case kModeChr:
    case kModeBlk:
    case kModeFifo:
    case kModeSock: return true;
    default: return false;
  }
}

std::string_view FileEntry::basename() const {
  const auto slash = name.rfind('/');
  return slash == std::string::npos ? std::string_view(name)
                                    : std::string_view(name).substr(slash + 1);
}

std::string_view FileEntry::dirname() const {
  const auto slash = name.rfind('/');
  return slash == std::string::npos ? std::string_view() : std::string_view(name).substr(0, slash);
}

Status check_received_name(std::string_view name, bool relative_paths) {
  const auto unsafe = [&] {
    return Status::Error(ExitCode::kUnsupported,
                         "ABORTING due to unsafe pathname from sender: " + std::string(name));
  };
  if (name.find('\0') != std::string_view::npos) return unsafe();
  if (!name.empty() && name.front() == '/' && !relative_paths) return unsafe();
  // Walk the components: ".." anywhere is refused (CFN_REFUSE_DOT_DOT_DIRS).
  size_t i = 0;
  while (i <= name.size()) {
    size_t j = name.find('/', i);
    if (j == std::string_view::npos) j = name.size();
    if (name.substr(i, j - i) == "..") return unsafe();
    i = j + 1;
  }
  return Status::Ok();
}

}  // namespace crsync::flist
