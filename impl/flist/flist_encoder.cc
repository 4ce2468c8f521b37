#include "flist/flist_encoder.h"

#include <grp.h>
#include <pwd.h>

#include <algorithm>

#include "wire/primitives.h"
#include "wire/protocol_format.h"

namespace crsync::flist {

using namespace crsync::wire;  // NOLINT(google-build-using-namespace): codec vocabulary

std::string system_user_name(uint32_t uid) {
  const passwd* p = ::getpwuid(uid);
  return p && p->pw_name ? std::string(p->pw_name) : std::string();
}

std::string system_group_name(uint32_t gid) {
  const group* g = ::getgrgid(gid);
  return g && g->gr_name ? std::string(g->gr_name) : std::string();
}

std::string FlistEncoder::add_id(std::vector<std::pair<uint32_t, std::string>>& list, uint32_t id,
                                 bool user) {
  for (const auto& [i, n] : list)
    if (i == id) return {};
  std::string name;
  if (user)
    name = user_name_of ? user_name_of(id) : system_user_name(id);
  else
    name = group_name_of ? group_name_of(id) : system_group_name(id);
  list.insert(list.begin(), {id, name});
  return name;
}

void FlistEncoder::put_entry(ByteWriter& w, const FileEntry& e, const EntryRole& role,
                             int32_t send_index, int32_t ndx_start) {
  const int proto = opts_.protocol;
  uint32_t x = 0;
  if (is_dir(e.mode)) {
    if (proto >= 30) {
      if (role.content_dir)
        x = role.top_dir ? kXmitTopDir : 0;
      else if (role.implied_dir)
        x = kXmitTopDir | kXmitNoContentDir;
      else
        x = kXmitNoContentDir;
    } else if (role.top_dir && !role.implied_dir) {
      x = kXmitTopDir;
    }
  }
  if (e.mode == mode_)
    x |= kXmitSameMode;
  else
    mode_ = e.mode;

  if (opts_.preserve_devices && is_device(e.mode)) {
    if (e.rdev_major == rdev_major_)
      x |= kXmitSameRdevMajor;
    else
      rdev_major_ = e.rdev_major;
    if (proto < 30 && e.rdev_minor <= 0xFF) x |= kXmitRdevMinor8Pre30;
  } else if (opts_.preserve_specials && is_special(e.mode) && proto < 31) {
    x |= kXmitSameRdevMajor;
    if (proto < 30) x |= kXmitRdevMinor8Pre30;
  }

  std::string user_name, group_name;
  if (!opts_.preserve_uid || (e.uid == uid_ && !last_name_.empty())) {
    x |= kXmitSameUid;
  } else {
    uid_ = e.uid;
    if (!numeric_ids) {
      user_name = add_id(uids_, e.uid, true);
      if (inline_names && !user_name.empty()) x |= kXmitUserNameFollows;
    }
  }
  if (!opts_.preserve_gid || (e.gid == gid_ && !last_name_.empty())) {
    x |= kXmitSameGid;
  } else {
    gid_ = e.gid;
    if (!numeric_ids) {
      group_name = add_id(gids_, e.gid, false);
      if (inline_names && !group_name.empty()) x |= kXmitGroupNameFollows;
    }
  }

  if (e.mtime == mtime_)
    x |= kXmitSameTime;
  else
    mtime_ = e.mtime;
  if (role.mod_nsec && proto >= 31) x |= kXmitModNsec;
  if (opts_.preserve_atimes && !is_dir(e.mode)) {
    if (e.atime == atime_)
      x |= kXmitSameAtime;
    else
      atime_ = e.atime;
  }
  if (opts_.preserve_crtimes) {
    crtime_ = e.crtime;
    if (crtime_ == mtime_) x |= kXmitCrtimeEqMtime;
  }

  int32_t first_hlink = -1;
  if (opts_.preserve_hard_links && role.has_hlink) {
    if (proto >= 30) {
      auto [it, inserted] = hlinks_.try_emplace({role.dev, role.ino}, send_index);
      if (inserted)
        x |= kXmitHlinkFirst;
      else
        first_hlink = it->second;
    } else {
      if (role.dev == dev_)
        x |= kXmitSameDevPre30;
      else
        dev_ = role.dev;
    }
    x |= kXmitHlinked;
  }

  // Name prefix shared with the previous name, at most 255 bytes.
  size_t l1 = 0;
  const size_t lim = std::min<size_t>({e.name.size(), last_name_.size(), 255});
  while (l1 < lim && e.name[l1] == last_name_[l1]) ++l1;
  const size_t l2 = e.name.size() - l1;
  if (l1 > 0) x |= kXmitSameName;
  if (l2 > 255) x |= kXmitLongName;

  // ---- flags ----
  if (opts_.varint_flags) {
    put_varint(w, static_cast<int32_t>(x ? x : kXmitExtendedFlags));
  } else {
    if (x == 0 && !is_dir(e.mode)) x |= kXmitTopDir;
    if ((x & 0xFF00) || x == 0) {
      x |= kXmitExtendedFlags;
      put_int16(w, static_cast<uint16_t>(x));
    } else {
      put_byte(w, static_cast<uint8_t>(x));
    }
  }
  if (x & kXmitSameName) put_byte(w, static_cast<uint8_t>(l1));
  if (x & kXmitLongName)
    put_varint30(w, static_cast<int32_t>(l2), proto);
  else
    put_byte(w, static_cast<uint8_t>(l2));
  w.append(std::string_view(e.name).substr(l1));
  last_name_ = e.name;

  if (first_hlink >= 0) {
    put_varint(w, first_hlink);
    if (first_hlink >= ndx_start) return;  // the receiver copies the rest
  }

  put_varlong30(w, e.size, 3, proto);
  if (!(x & kXmitSameTime)) {
    if (proto >= 30)
      put_varlong(w, e.mtime, 4);
    else
      put_int32(w, static_cast<int32_t>(e.mtime));
  }
  if (x & kXmitModNsec) put_varint(w, static_cast<int32_t>(e.mtime_nsec));
  if (opts_.preserve_crtimes && !(x & kXmitCrtimeEqMtime)) put_varlong(w, e.crtime, 4);
  if (!(x & kXmitSameMode)) put_int32(w, static_cast<int32_t>(e.mode));
  if (opts_.preserve_atimes && !is_dir(e.mode) && !(x & kXmitSameAtime)) put_varlong(w, e.atime, 4);
  const auto put_id = [&](uint32_t id, bool name_follows, const std::string& name) {
    if (proto < 30) {
      put_int32(w, static_cast<int32_t>(id));
      return;
    }
    put_varint(w, static_cast<int32_t>(id));
    if (name_follows) {
      const size_t len = std::min<size_t>(name.size(), 255);
      put_byte(w, static_cast<uint8_t>(len));
      w.append(std::string_view(name).substr(0, len));
    }
  };
  if (opts_.preserve_uid && !(x & kXmitSameUid)) put_id(e.uid, x & kXmitUserNameFollows, user_name);
  if (opts_.preserve_gid && !(x & kXmitSameGid))
    put_id(e.gid, x & kXmitGroupNameFollows, group_name);
  if ((opts_.preserve_devices && is_device(e.mode)) ||
      (opts_.preserve_specials && is_special(e.mode) && proto < 31)) {
    const uint32_t minor = is_device(e.mode) ? e.rdev_minor : 0;
    if (!(x & kXmitSameRdevMajor)) put_varint30(w, static_cast<int32_t>(e.rdev_major), proto);
    if (proto >= 30)
      put_varint(w, static_cast<int32_t>(minor));
    else if (x & kXmitRdevMinor8Pre30)
      put_byte(w, static_cast<uint8_t>(minor));
    else
      put_int32(w, static_cast<int32_t>(minor));
  }
  if (opts_.preserve_links && is_lnk(e.mode)) {
    put_varint30(w, static_cast<int32_t>(e.link_target.size()), proto);
    w.append(e.link_target);
  }
  if (opts_.preserve_hard_links && role.has_hlink && proto < 30) {
    if (!(x & kXmitSameDevPre30)) put_longint(w, static_cast<int64_t>(role.dev + 1));
    put_longint(w, static_cast<int64_t>(role.ino));
  }
  if (opts_.flist_csum_len > 0 && is_reg(e.mode)) {
    Bytes sum(static_cast<size_t>(opts_.flist_csum_len), 0);
    std::copy_n(e.checksum.begin(), std::min(e.checksum.size(), sum.size()), sum.begin());
    w.append(ByteSpan(sum));
  }
}

void FlistEncoder::put_end(ByteWriter& w, int32_t io_error, bool send_io_error) {
  if (opts_.varint_flags) {
    put_varint(w, 0);
    put_varint(w, send_io_error ? io_error : 0);
  } else if (send_io_error && opts_.safe_flist) {
    put_int16(w, static_cast<uint16_t>(kXmitExtendedFlags | kXmitIoErrorEndlist));
    put_varint(w, io_error);
  } else {
    put_byte(w, 0);
  }
}

}  // namespace crsync::flist
