// The local copy's shortcut for whole files. A local copy runs the sender
// and the receiving side as threads of one process over an in-memory pipe
// (cli/client.cc run_local). For a large file sent whole (no basis blocks,
// no compression, no bandwidth limit), pushing every byte through that pipe
// costs three copies and two checksum passes where the kernel can copy the
// file in one call (copy_file_range). So the sender hands the receiver its
// open source file here instead, and the pipe carries the file's usual
// header, an empty token stream and a placeholder checksum. The receiver
// copies from the descriptor, pads with zeros if the source shrank (as
// upstream's map_ptr reads past a new end), and skips the checksum
// comparison: no byte travelled, so there is nothing to verify.
//
// Nothing of this crosses a real connection: the pipe exists only in this
// process, and a remote or daemon session never has a bridge.
#pragma once

#include <cstdint>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include "fs/dest_root.h"

namespace crsync::session {

class LocalBridge {
 public:
  // Files smaller than this go through the pipe as usual (below it the
  // per-file setup costs more than the copies it saves).
  static constexpr int64_t kMinSize = 256 * 1024;

  // Sender: `fd` holds file `ndx`'s first `size` bytes. Called before the
  // file's header goes into the pipe, so the receiver finds it.
  void post(int32_t ndx, fs::Fd fd, int64_t size);
  // Receiver: the descriptor and size posted for `ndx`, if any (taken).
  bool take(int32_t ndx, fs::Fd* fd, int64_t* size);
  // How many files were handed over so far.
  int64_t handed_over() const {
    std::lock_guard<std::mutex> lock(mu_);
    return posted_;
  }

 private:
  struct Item {
    fs::Fd fd;
    int64_t size = 0;
  };
  mutable std::mutex mu_;
  std::unordered_map<int32_t, Item> items_;
  int64_t posted_ = 0;
};

// Whether an item-line or log format prints the transfer's checksum (%C),
// which a bridged file does not have.
bool format_shows_checksum(std::string_view format);

}  // namespace crsync::session
