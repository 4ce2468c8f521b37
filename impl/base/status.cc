#include "base/status.h"

namespace crsync {

Status Status::at_eof(std::string_view what) const {
  if (!need_more()) return *this;
  std::string msg = "connection unexpectedly closed while reading ";
  msg += what;
  return Status::Error(ExitCode::kStreamIo, std::move(msg));
}

std::string Status::to_string() const {
  if (ok()) return "OK";
  if (need_more()) return "need more input";
  std::string s(message());
  s += " (code ";
  s += std::to_string(exit_status());
  s += ")";
  return s;
}

}  // namespace crsync
