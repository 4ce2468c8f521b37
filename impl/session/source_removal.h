// --remove-source-files on the sending side (upstream sender.c
// successful_send): when the receiving side reports a file as received
// (MSG_SUCCESS), the sender removes its source, but only if it is still the
// file that was listed (same size and modification time) and, in a local
// copy, not the very file the receiver wrote. Directories are never
// removed (the receiving side reports no success for them).
#pragma once

#include <sys/stat.h>

#include <cstdint>

#include "base/bytes.h"
#include "flist/source_walker.h"
#include "session/context.h"

namespace crsync::session {

enum class RemovalVerdict {
  kRemove,         // unchanged since it was listed
  kIsDestination,  // a local copy wrote it onto itself
  kChanged,        // size or modification time differs from the list's
};

// The destination file's identity a local receiver sends with MSG_SUCCESS
// (upstream's num_dev_ino_buf); `known` is false for a remote receiver.
struct DestIdentity {
  bool known = false;
  int64_t dev = 0;
  int64_t ino = 0;
};

// MSG_SUCCESS's payload: int32 ndx, then (a local receiver) int64 dev and
// int64 ino of the destination file. False when malformed.
bool parse_success_payload(ByteSpan payload, int32_t* ndx, DestIdentity* dest);
// The payload a receiving side sends (`dest` only in a local copy).
Bytes success_payload(int32_t ndx, const DestIdentity& dest);

// The pure decision: `st` is the source as it is now. Nanoseconds count
// from protocol 31 (the list carries them from there).
RemovalVerdict judge_removal(const flist::FileEntry& listed, const struct stat& st, int protocol,
                             const DestIdentity& dest);

// Acts on one success report for `se`: stats, judges, removes, and prints
// upstream's messages ("sender removed NAME" with -vv).
void remove_sent_file(Context& c, const flist::SendEntry& se, const DestIdentity& dest);

}  // namespace crsync::session
