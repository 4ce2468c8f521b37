// Dissects the file lists of a session as elements: every entry with its
// decoded fields (name, flags, size, mtime, mode, ids and names, link
// target, hard-link data, checksum), the end marker with its io_error, the
// uid/gid name lists. Keeps each list, sorted as upstream sorts it, so that
// the ndx values of both directions can be named.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "base/status.h"
#include "flist/file_entry.h"
#include "flist/flist_decoder.h"
#include "pcap/session_facts.h"
#include "pcap/stream_cursor.h"

namespace crsync::pcap {

// ndx -> entry, over every list received in the session.
class FileIndex {
 public:
  const flist::FileEntry* find(int32_t ndx) const;
  // The ndx of the first entry of the list after the last one added.
  int32_t next_start() const { return next_start_; }
  size_t lists() const { return list_count_; }
  void set_first_start(int32_t s) { next_start_ = s; }
  // Adds one list, in wire order; sorts it to assign the ndx values.
  void add_list(std::vector<flist::FileEntry> wire_order, int protocol);

 private:
  std::map<int32_t, flist::FileEntry> by_ndx_;
  int32_t next_start_ = 0;
  size_t list_count_ = 0;
};

class FileListDissector {
 public:
  explicit FileListDissector(const SessionFacts& f);

  // Reads one whole list (through its end marker). On an error the rest of
  // the stream is reported undecoded and the error returned.
  Status read_list(StreamCursor& c);
  // The uid/gid lists that follow a non-incremental list (unless
  // --numeric-ids, or neither -o nor -g).
  bool has_id_lists() const;
  Status read_id_lists(StreamCursor& c);

  const FileIndex& index() const { return index_; }

 private:
  const SessionFacts& facts_;
  flist::FlistDecoder decoder_;
  FileIndex index_;
  int64_t entries_ = 0;  // entries seen in the session, wire order
};

// "drwxr-xr-x"-free rendering helpers shared by the dissectors.
std::string octal(uint32_t v);
std::string hex_bytes(const uint8_t* p, size_t n);

}  // namespace crsync::pcap
