#include "flist/flist_decoder.h"

#include <string>

#include "base/check.h"
#include "wire/primitives.h"
#include "wire/protocol_format.h"

namespace crsync::flist {

using namespace crsync::wire;  // NOLINT(google-build-using-namespace): codec vocabulary

Status FlistDecoder::next(ByteReader& r, std::span<const FileEntry> list, int32_t ndx_start,
                          Item* out) {
  const size_t start = r.pos();
  const State saved = st_;
  *out = Item{};
  uint32_t flags = 0;
  Status s = read_flags(r, &flags, out);
  if (s.ok() && !out->end) s = read_entry(r, flags, list, ndx_start, &out->entry);
  if (s.need_more()) {
    r.seek(start);
    st_ = saved;
  }
  return s;
}

Status FlistDecoder::read_flags(ByteReader& r, uint32_t* flags, Item* out) {
  if (opts_.varint_flags) {
    int32_t f = 0;
    CRSYNC_RETURN_IF_ERROR(get_varint(r, &f));
    if (f == 0) {
      int32_t err = 0;
      CRSYNC_RETURN_IF_ERROR(get_varint(r, &err));
      out->end = true;
      out->io_error = err & static_cast<int32_t>(kIoerrMask);
      return Status::Ok();
    }
    *flags = static_cast<uint32_t>(f);
    return Status::Ok();
  }
  uint8_t b = 0;
  CRSYNC_RETURN_IF_ERROR(get_byte(r, &b));
  if (b == 0) {
    out->end = true;
    return Status::Ok();
  }
  uint32_t f = b;
  if (opts_.protocol >= 28 && (f & kXmitExtendedFlags)) {
    uint8_t hi = 0;
    CRSYNC_RETURN_IF_ERROR(get_byte(r, &hi));
    f |= static_cast<uint32_t>(hi) << 8;
  }
  if (f == (kXmitExtendedFlags | kXmitIoErrorEndlist)) {
    CRSYNC_PEER_CHECK(opts_.safe_flist, ExitCode::kProtocol,
                      "Invalid flist flag: " + std::to_string(f));
    int32_t err = 0;
    CRSYNC_RETURN_IF_ERROR(get_varint(r, &err));
    out->end = true;
    out->io_error = err & static_cast<int32_t>(kIoerrMask);
    return Status::Ok();
  }
  *flags = f;
  return Status::Ok();
}

Status FlistDecoder::read_entry(ByteReader& r, uint32_t flags, std::span<const FileEntry> list,
                                int32_t ndx_start, FileEntry* e) {
  const int proto = opts_.protocol;
  CRSYNC_PEER_CHECK(!opts_.preserve_acls && !opts_.preserve_xattrs, ExitCode::kUnsupported,
                    "ACL and xattr file lists are not supported by this build");
  e->xflags = flags;

  // ---- name: l1 bytes shared with the previous name, then l2 new bytes ----
  uint32_t l1 = 0;
  if (flags & kXmitSameName) {
    uint8_t b = 0;
    CRSYNC_RETURN_IF_ERROR(get_byte(r, &b));
    l1 = b;
  }
  uint32_t l2 = 0;
  if (flags & kXmitLongName) {
    int32_t v = 0;
    CRSYNC_RETURN_IF_ERROR(get_varint30(r, proto, &v));
    l2 = static_cast<uint32_t>(v);
  } else {
    uint8_t b = 0;
    CRSYNC_RETURN_IF_ERROR(get_byte(r, &b));
    l2 = b;
  }
  CRSYNC_PEER_CHECK(l1 <= st_.last_name.size(), ExitCode::kProtocol,
                    "file-list name shares " + std::to_string(l1) +
                        " bytes with a previous name of " + std::to_string(st_.last_name.size()));
  CRSYNC_PEER_CHECK(l2 < static_cast<uint32_t>(kMaxPathLen) - l1, ExitCode::kMalloc,
                    "buffer overflow: recv_file_entry (l1=" + std::to_string(l1) +
                        " l2=" + std::to_string(l2) + ")");
  ByteSpan suffix;
  CRSYNC_RETURN_IF_ERROR(r.take(l2, &suffix));
  e->name.assign(st_.last_name, 0, l1);
  e->name.append(as_chars(suffix));
  st_.last_name = e->name;
  CRSYNC_RETURN_IF_ERROR(check_received_name(e->name, opts_.relative_paths));

  // ---- protocol >= 30 hard link to an entry already in this list ----
  const bool hlinked = flags & kXmitHlinked;
  CRSYNC_PEER_CHECK(!hlinked || opts_.preserve_hard_links, ExitCode::kProtocol,
                    "hard-link flag received without --hard-links");
  e->hlinked = hlinked;
  if (proto >= 30 && hlinked && !(flags & kXmitHlinkFirst)) {
    int32_t first = 0;
    CRSYNC_RETURN_IF_ERROR(get_varint(r, &first));
    const int64_t limit = int64_t{ndx_start} + static_cast<int64_t>(list.size());
    CRSYNC_PEER_CHECK(first >= 0 && first < limit, ExitCode::kProtocol,
                      "hard-link reference out of range: " + std::to_string(first) + " (" +
                          std::to_string(limit) + ")");
    e->hlink_first_ndx = first;
    if (first >= ndx_start) {
      const FileEntry& f = list[static_cast<size_t>(first - ndx_start)];
      e->size = f.size;
      e->mtime = st_.mtime = f.mtime;
      e->mtime_nsec = f.mtime_nsec;
      e->mode = st_.mode = f.mode;
      e->atime = f.atime;
      e->crtime = f.crtime;
      e->uid = f.uid;
      e->gid = f.gid;
      e->rdev_major = f.rdev_major;
      e->rdev_minor = f.rdev_minor;
      e->link_target = f.link_target;
      e->checksum = f.checksum;
      if (opts_.preserve_atimes && !is_dir(e->mode)) st_.atime = f.atime;
      if (opts_.preserve_crtimes) st_.crtime = f.crtime;
      if (opts_.preserve_uid) st_.uid = f.uid;
      if (opts_.preserve_gid) st_.gid = f.gid;
      if (opts_.preserve_devices && is_device(e->mode)) st_.rdev_major = f.rdev_major;
      return Status::Ok();
    }
  }

  // ---- size, times, mode ----
  CRSYNC_RETURN_IF_ERROR(get_varlong30(r, 3, proto, &e->size));
  if (!(flags & kXmitSameTime)) {
    if (proto >= 30) {
      CRSYNC_RETURN_IF_ERROR(get_varlong(r, 4, &st_.mtime));
    } else {
      int32_t t = 0;
      CRSYNC_RETURN_IF_ERROR(get_int32(r, &t));
      st_.mtime = static_cast<uint32_t>(t);
    }
  }
  e->mtime = st_.mtime;
  if (flags & kXmitModNsec) {
    int32_t ns = 0;
    CRSYNC_RETURN_IF_ERROR(get_varint(r, &ns));
    CRSYNC_PEER_CHECK(ns >= 0 && ns <= 999999999, ExitCode::kProtocol,
                      "invalid nanoseconds " + std::to_string(ns));
    e->mtime_nsec = static_cast<uint32_t>(ns);
  }
  if (opts_.preserve_crtimes) {
    if (flags & kXmitCrtimeEqMtime)
      st_.crtime = st_.mtime;
    else
      CRSYNC_RETURN_IF_ERROR(get_varlong(r, 4, &st_.crtime));
    e->crtime = st_.crtime;
  }
  if (!(flags & kXmitSameMode)) {
    int32_t m = 0;
    CRSYNC_RETURN_IF_ERROR(get_int32(r, &m));
    st_.mode = static_cast<uint32_t>(m);
  }
  e->mode = st_.mode;
  CRSYNC_PEER_CHECK(is_known_file_type(e->mode), ExitCode::kProtocol,
                    "invalid file type in mode " + std::to_string(e->mode) + " for " + e->name);
  if (opts_.preserve_atimes && !is_dir(e->mode)) {
    if (!(flags & kXmitSameAtime)) CRSYNC_RETURN_IF_ERROR(get_varlong(r, 4, &st_.atime));
    e->atime = st_.atime;
  }

  // ---- owner and group ----
  const auto read_id = [&](uint32_t* id, bool name_follows, std::string* name) -> Status {
    int32_t v = 0;
    if (proto < 30) {
      CRSYNC_RETURN_IF_ERROR(get_int32(r, &v));
    } else {
      CRSYNC_RETURN_IF_ERROR(get_varint(r, &v));
      if (name_follows) {
        uint8_t len = 0;
        CRSYNC_RETURN_IF_ERROR(get_byte(r, &len));
        ByteSpan n;
        CRSYNC_RETURN_IF_ERROR(r.take(len, &n));
        name->assign(as_chars(n));
      }
    }
    *id = static_cast<uint32_t>(v);
    return Status::Ok();
  };
  if (opts_.preserve_uid && !(flags & kXmitSameUid))
    CRSYNC_RETURN_IF_ERROR(read_id(&st_.uid, flags & kXmitUserNameFollows, &e->user_name));
  e->uid = st_.uid;
  if (opts_.preserve_gid && !(flags & kXmitSameGid))
    CRSYNC_RETURN_IF_ERROR(read_id(&st_.gid, flags & kXmitGroupNameFollows, &e->group_name));
  e->gid = st_.gid;

  // ---- devices and (below 31) specials ----
  if ((opts_.preserve_devices && is_device(e->mode)) ||
      (opts_.preserve_specials && is_special(e->mode) && proto < 31)) {
    if (!(flags & kXmitSameRdevMajor)) {
      int32_t maj = 0;
      CRSYNC_RETURN_IF_ERROR(get_varint30(r, proto, &maj));
      st_.rdev_major = static_cast<uint32_t>(maj);
    }
    int32_t minor = 0;
    if (proto >= 30) {
      CRSYNC_RETURN_IF_ERROR(get_varint(r, &minor));
    } else if (flags & kXmitRdevMinor8Pre30) {
      uint8_t b = 0;
      CRSYNC_RETURN_IF_ERROR(get_byte(r, &b));
      minor = b;
    } else {
      CRSYNC_RETURN_IF_ERROR(get_int32(r, &minor));
    }
    e->rdev_major = st_.rdev_major;
    e->rdev_minor = static_cast<uint32_t>(minor);
    e->size = 0;
  }

  // ---- symlink target ----
  if (opts_.preserve_links && is_lnk(e->mode)) {
    int32_t len = 0;
    CRSYNC_RETURN_IF_ERROR(get_varint30(r, proto, &len));
    CRSYNC_PEER_CHECK(
        len >= 0 && len < kMaxPathLen, ExitCode::kMalloc,
        "buffer overflow: recv_file_entry (linkname_len=" + std::to_string(len) + ")");
    ByteSpan t;
    CRSYNC_RETURN_IF_ERROR(r.take(static_cast<size_t>(len), &t));
    e->link_target.assign(as_chars(t));
  }

  // ---- protocol < 30 hard links: dev and inode ----
  if (opts_.preserve_hard_links && hlinked && proto < 30) {
    if (!(flags & kXmitSameDevPre30)) CRSYNC_RETURN_IF_ERROR(get_longint(r, &st_.dev));
    e->hlink_dev = st_.dev;
    CRSYNC_RETURN_IF_ERROR(get_longint(r, &e->hlink_ino));
  }

  // ---- -c checksum ----
  if (opts_.flist_csum_len > 0 && is_reg(e->mode)) {
    ByteSpan sum;
    CRSYNC_RETURN_IF_ERROR(r.take(static_cast<size_t>(opts_.flist_csum_len), &sum));
    e->checksum.assign(sum.begin(), sum.end());
  }

  CRSYNC_PEER_CHECK(e->size >= 0, ExitCode::kUnsupported,
                    "Offset underflow: file-length is negative");
  return Status::Ok();
}

}  // namespace crsync::flist
