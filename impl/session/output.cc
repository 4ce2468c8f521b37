#include "session/output.h"

namespace crsync::session {

void ClientOutput::info(const std::string& text) {
  if (quiet) return;
  std::lock_guard<std::mutex> lock(mu_);
  std::fputs(text.c_str(), stdout);
  std::fflush(stdout);
}

void ClientOutput::error(const std::string& text) {
  std::lock_guard<std::mutex> lock(mu_);
  std::fflush(stdout);
  std::fputs(text.c_str(), stderr);
}

void ClientOutput::warning(const std::string& text) {
  error(text);
}

void ServerOutput::info(const std::string& text) {
  if (quiet) return;
  if (out_.multiplexed()) {
    (void)out_.send_msg(wire::MsgCode::kInfo, as_bytes(text));
    return;
  }
  std::fputs(text.c_str(), stderr);
}

void ServerOutput::error(const std::string& text) {
  if (errors_as_msgs_ && out_.multiplexed()) {
    (void)out_.send_msg(wire::MsgCode::kError, as_bytes(text));
    return;
  }
  std::fputs(text.c_str(), stderr);
}

void ServerOutput::warning(const std::string& text) {
  if (errors_as_msgs_ && out_.multiplexed()) {
    (void)out_.send_msg(wire::MsgCode::kWarning, as_bytes(text));
    return;
  }
  std::fputs(text.c_str(), stderr);
}

}  // namespace crsync::session
