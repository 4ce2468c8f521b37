// Byte streams that may be larger than memory. A Spool collects bytes in
// memory and, past a threshold, in an unlinked temporary file; finishing it
// gives a StreamBuffer: the bytes in memory, or the file mapped read-only.
// Readers of mapped buffers report how far they got (note_read_progress);
// every 16 MiB the resident pages of all mappings are dropped
// (madvise), so reading a gigabyte stream from start to end keeps only a
// window of it in the process. The bytes stay in the file: a page touched
// again is read back, so random access still works.
#pragma once

#include <cstdint>
#include <string>

#include "base/bytes.h"
#include "base/status.h"

namespace crsync::pcap {

class StreamBuffer {
 public:
  StreamBuffer() = default;
  StreamBuffer(Bytes b) : mem_(std::move(b)) {}  // NOLINT(google-explicit-constructor): in memory
  StreamBuffer(StreamBuffer&& o) noexcept;
  StreamBuffer& operator=(StreamBuffer&& o) noexcept;
  StreamBuffer(const StreamBuffer&) = delete;
  StreamBuffer& operator=(const StreamBuffer&) = delete;
  ~StreamBuffer();

  const uint8_t* data() const { return map_ ? map_ : mem_.data(); }
  size_t size() const { return map_ ? map_len_ : mem_.size(); }
  bool empty() const { return size() == 0; }
  const uint8_t* begin() const { return data(); }
  const uint8_t* end() const { return data() + size(); }
  uint8_t operator[](size_t i) const { return data()[i]; }
  ByteSpan span() const { return {data(), size()}; }
  operator ByteSpan() const { return span(); }  // NOLINT(google-explicit-constructor)
  bool mapped() const { return map_ != nullptr; }
  Bytes bytes() const { return Bytes(begin(), end()); }  // a copy in memory

  // A file's bytes, mapped read-only (an empty file gives an empty buffer).
  static Status map_file(const std::string& path, StreamBuffer* out);

 private:
  friend class Spool;
  void unmap();
  Bytes mem_;
  const uint8_t* map_ = nullptr;
  size_t map_len_ = 0;
};

class Spool {
 public:
  // Bytes beyond `spill_at` go to a temporary file (in $TMPDIR, else /tmp).
  explicit Spool(uint64_t spill_at = default_spill_threshold());
  Spool(Spool&& o) noexcept;
  Spool& operator=(Spool&& o) noexcept;
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;
  ~Spool();

  void append(ByteSpan b);
  uint64_t size() const { return size_; }
  // Appends bytes [off, off + n) of this spool to `out`.
  void copy_range(uint64_t off, uint64_t n, Spool& out) const;
  // The collected bytes; the spool is empty afterwards. A file that cannot
  // be created, written or mapped makes the spool keep its bytes in memory.
  StreamBuffer finish();

  // 8 MiB, or $CRSYNC_PCAP_SPILL_BYTES (0: every non-empty spool spills,
  // which is how tests run the file path over small captures).
  static uint64_t default_spill_threshold();

 private:
  void spill();
  void flush();
  void to_memory();  // gives up on the file: its bytes come back into memory

  uint64_t spill_at_;
  Bytes mem_;  // all bytes while in memory; the write buffer once spilled
  int fd_ = -1;
  bool no_file_ = false;  // a file could not be used: stay in memory
  uint64_t size_ = 0;
  uint64_t file_size_ = 0;
};

// Readers of stream buffers call this with the bytes they consumed.
void note_read_progress(uint64_t bytes);

}  // namespace crsync::pcap
