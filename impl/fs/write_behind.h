// Starts the kernel's write-back of a large file while it is still being
// written, a step behind the write position.
//
// Why: ext4 (auto_da_alloc) and btrfs write a file's dirty pages back when
// a rename replaces an existing file with it, and the rename waits for that
// to be submitted: for a 256 MiB update the receiver's final rename took
// ~100 ms of mostly waiting (bench/results/profile-notes.md, session 9).
// Handing each completed step to write-back as the file grows overlaps that
// I/O with the transfer; the rename then finds little left to do. Nothing
// waits for the I/O (SYNC_FILE_RANGE_WRITE only starts it) and nothing about
// the file's contents or durability guarantees changes, except that its
// data reaches the disk sooner.
#pragma once

#include <cstdint>

namespace crsync::fs {

class WriteBehind {
 public:
  // Bytes handed to write-back at a time; a file smaller than this is
  // never touched (the rename's own flush of it is short).
  static constexpr uint64_t kStep = uint64_t{8} << 20;

  struct Range {
    uint64_t off = 0;
    uint64_t len = 0;  // 0: nothing to start yet
  };

  // The range to start now that the file's first `end` bytes are written:
  // everything not yet started, once that is at least kStep.
  Range advance(uint64_t end);

  // advance(end), then starts write-back of the range on `fd`. Failures
  // are ignored: this only moves work earlier that the kernel does anyway.
  void wrote(int fd, uint64_t end);

 private:
  uint64_t started_ = 0;
};

}  // namespace crsync::fs
