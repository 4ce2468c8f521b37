#include "session/source_removal.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "wire/primitives.h"

namespace crsync::session {

bool parse_success_payload(ByteSpan payload, int32_t* ndx, DestIdentity* dest) {
  ByteReader r(payload);
  if (!wire::get_int32(r, ndx).ok()) return false;
  *dest = DestIdentity{};
  if (payload.size() == 4) return true;
  if (payload.size() != 4 + 8 + 8) return false;
  uint64_t dev = 0, ino = 0;
  if (!r.le64(&dev).ok() || !r.le64(&ino).ok()) return false;
  dest->known = true;
  dest->dev = static_cast<int64_t>(dev);
  dest->ino = static_cast<int64_t>(ino);
  return true;
}

Bytes success_payload(int32_t ndx, const DestIdentity& dest) {
  ByteWriter w;
  wire::put_int32(w, ndx);
  if (dest.known) {
    w.le64(static_cast<uint64_t>(dest.dev));
    w.le64(static_cast<uint64_t>(dest.ino));
  }
  return Bytes(w.bytes().begin(), w.bytes().end());
}

RemovalVerdict judge_removal(const flist::FileEntry& listed, const struct stat& st, int protocol,
                             const DestIdentity& dest) {
  if (dest.known && static_cast<int64_t>(st.st_dev) == dest.dev &&
      static_cast<int64_t>(st.st_ino) == dest.ino)
    return RemovalVerdict::kIsDestination;
  if (st.st_size != listed.size || st.st_mtim.tv_sec != listed.mtime)
    return RemovalVerdict::kChanged;
  if (protocol >= 31 && listed.mtime_nsec != 0 &&
      static_cast<uint32_t>(st.st_mtim.tv_nsec) != listed.mtime_nsec)
    return RemovalVerdict::kChanged;
  return RemovalVerdict::kRemove;
}

void remove_sent_file(Context& c, const flist::SendEntry& se, const DestIdentity& dest) {
  const std::string& name = se.entry.name;
  const char* path = se.local_path.c_str();
  const auto failed = [&](const char* op) {
    const int e = errno;
    if (e == ENOENT) {
      c.output->info("sender file already removed: " + name + "\n");
      return;
    }
    c.output->error("rsync: [sender] sender failed to " + std::string(op) + " " + name + ": " +
                    std::strerror(e) + " (" + std::to_string(e) + ")\n");
    c.output->note_xfer_error();
  };
  struct stat st {};
  if ((c.opts.copy_links ? ::stat(path, &st) : ::lstat(path, &st)) != 0) {
    failed("re-lstat");
    return;
  }
  switch (judge_removal(se.entry, st, c.protocol(), dest)) {
    case RemovalVerdict::kIsDestination:
      c.output->error("ERROR: Skipping sender remove of destination file: " + name + "\n");
      c.output->note_xfer_error();
      return;
    case RemovalVerdict::kChanged:
      c.output->error("ERROR: Skipping sender remove for changed file: " + name + "\n");
      c.output->note_xfer_error();
      return;
    case RemovalVerdict::kRemove: break;
  }
  if (::unlink(path) != 0) {
    failed("remove");
    return;
  }
  if (c.opts.verbose >= 2) c.output->info("sender removed " + name + "\n");
}

}  // namespace crsync::session
