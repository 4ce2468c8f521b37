// The local copy's shortcut for whole files. A local copy runs the sender
// and the receiving side as threads of one process over an in-memory pipe
// (cli/client.cc run_local). For a large file sent whole (no basis blocks,
// no compression, no bandwidth limit), pushing every byte through that pipe
// costs three copies and two checksum passes where the kernel can copy the
// file in one call (copy_file_range). So the sender hands the receiver its
// open source file here instead, and the pipe carries the file's usual
// header, an empty token stream and a placeholder checksum. The receiver
// copies from the descriptor and skips the checksum comparison: no byte
// travelled, so there is nothing to verify. A source that ended early is
// padded with zeros and taken as failed, so that it is asked for again, and
// the sender then reports the short read, as upstream's sender does with
// the spoiled checksum it sends for a file it could not read whole.
//
// Nothing of this crosses a real connection: the pipe exists only in this
// process, and a remote or daemon session never has a bridge.
#pragma once

#include <cstdint>
#include <functional>
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

  // At most this many handed-over files wait for the receiver: a sender far
  // ahead of it would otherwise hold a descriptor open per file.
  static constexpr size_t kMaxPending = 64;

  // Sender: offers `fd`, holding file `ndx`'s first `size` bytes, before
  // the file's header goes into the pipe (so the receiver finds it). On
  // true the bridge owns `fd`; on false (kMaxPending are waiting) the
  // caller keeps it and sends the file through the pipe.
  bool offer(int32_t ndx, int fd, int64_t size);
  // Receiver: the descriptor and size offered for `ndx`, if any (taken).
  // Offers made before it and never taken are dropped: the receiver reads
  // the files in the order they were offered, so it has passed them.
  bool take(int32_t ndx, fs::Fd* fd, int64_t* size);
  // Receiver: file `ndx` ended before its size (or a read failed with
  // `err`); the sender reports it as upstream's sender reports a short read.
  void note_short(int32_t ndx, int err);
  // Sender: the error noted for `ndx`, if any (taken), else 0.
  int take_short(int32_t ndx);
  // Called after each accepted offer, outside the lock (a test's seam: the source
  // shrinks after it was handed over).
  void set_after_post(std::function<void(int32_t ndx)> fn) { after_post_ = std::move(fn); }
  // How many files were handed over so far.
  int64_t handed_over() const {
    std::lock_guard<std::mutex> lock(mu_);
    return posted_;
  }

 private:
  struct Item {
    fs::Fd fd;
    int64_t size = 0;
    uint64_t seq = 0;  // order of the offers
  };
  mutable std::mutex mu_;
  std::unordered_map<int32_t, Item> items_;
  std::unordered_map<int32_t, int> short_;
  int64_t posted_ = 0;
  uint64_t next_seq_ = 0;
  std::function<void(int32_t)> after_post_;
};

// Whether an item-line or log format prints the transfer's checksum (%C),
// which a bridged file does not have.
bool format_shows_checksum(std::string_view format);

}  // namespace crsync::session
