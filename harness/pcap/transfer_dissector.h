// Dissects the demultiplexed data of the two transfer roles after the
// prologue. The sender's stream: [filter list], the file list(s), id lists,
// io_error (< 30), then one item per ndx the generator asked for (ndx,
// iflags, basis type, xname, and for a transfer the echoed sum head, the
// token stream and the file checksum), incremental sub-lists, phase ends,
// statistics (a server sender), goodbye. The receiving side's stream:
// [filter list], then items (with sum head and block sums for a transfer),
// phase ends, deletion statistics, goodbye. Decoding is driven by the
// session's facts only; the sender's stream is dissected first so that the
// receiving side's ndx values can be named.
#pragma once

#include "pcap/file_list_dissector.h"
#include "pcap/session_facts.h"
#include "pcap/stream_cursor.h"
#include "pcap/token_dissector.h"
#include "wire/ndx_codec.h"

namespace crsync::pcap {

class TransferDissector {
 public:
  explicit TransferDissector(const SessionFacts& f);

  void dissect_sender(StreamCursor& c, bool filters_first, bool sends_stats);
  void dissect_receiver(StreamCursor& c, bool filters_first);

  const FileIndex& files() const { return lists_.index(); }

 private:
  enum class Role { kSender, kReceiver };
  Status filter_list(StreamCursor& c);
  Status item(StreamCursor& c, int32_t ndx, size_t start, Role role);
  Status deletion_stats(StreamCursor& c, size_t start);
  Status stats(StreamCursor& c);
  Status sender_body(StreamCursor& c, bool filters_first, bool sends_stats);
  Status receiver_body(StreamCursor& c, bool filters_first);
  std::string name_of(int32_t ndx) const;

  const SessionFacts& facts_;
  FileListDissector lists_;
  TokenStreamDissector tokens_;
};

}  // namespace crsync::pcap
