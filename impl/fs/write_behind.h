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
//
// Only for a file whose rename will replace an existing one: a new name gets
// no flush at its rename, and write-behind would only pull the kernel's
// background write-back into the transfer (a local copy of 8 x 32 MiB new
// files went from 1.1x to 1.4x `cp -a` with it).
#pragma once

#include <cstdint>
#include <functional>
#include <utility>

namespace crsync::fs {

class WriteBehind {
 public:
  // `replaces` is asked once, when the file first reaches a step: whether
  // it will replace an existing file. If not, nothing is ever started.
  explicit WriteBehind(std::function<bool()> replaces = [] { return true; })
      : replaces_(std::move(replaces)) {}

  // Bytes handed to write-back at a time; a file smaller than this is
  // never touched (the rename's own flush of it is short).
  static constexpr uint64_t kStep = uint64_t{8} << 20;

  struct Range {
    uint64_t off = 0;
    uint64_t len = 0;  // 0: nothing to start yet
  };

  // The range to start now that the file's first `end` bytes are written:
  // everything not yet started, once that is at least kStep (and the file
  // replaces another).
  Range advance(uint64_t end);

  // advance(end), then starts write-back of the range on `fd`. Failures
  // are ignored: this only moves work earlier that the kernel does anyway.
  void wrote(int fd, uint64_t end);

 private:
  std::function<bool()> replaces_;
  int on_ = -1;  // -1: not asked yet
  uint64_t started_ = 0;
};

}  // namespace crsync::fs
