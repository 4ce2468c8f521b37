#include "pcap/file_list_dissector.h"

#include <cstdio>

#include "flist/flist_sort.h"
#include "flist/id_list.h"
#include "wire/protocol_format.h"

namespace crsync::pcap {

std::string octal(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0%o", v);
  return buf;
}

std::string hex_bytes(const uint8_t* p, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  s.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    s += digits[p[i] >> 4];
    s += digits[p[i] & 15];
  }
  return s;
}

namespace {

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%x", v);
  return buf;
}

void entry_fields(const flist::FileEntry& e, const SessionFacts& f, Element& el) {
  el.add("name", e.name);
  el.add("flags", hex32(e.xflags));
  el.add("mode", octal(e.mode));
  el.add("size", std::to_string(e.size));
  el.add("mtime", std::to_string(e.mtime));
  if (e.mtime_nsec) el.add("mtime_nsec", std::to_string(e.mtime_nsec));
  if (f.preserve_atimes && !flist::is_dir(e.mode)) el.add("atime", std::to_string(e.atime));
  if (f.preserve_crtimes) el.add("crtime", std::to_string(e.crtime));
  if (f.preserve_uid) el.add("uid", std::to_string(e.uid));
  if (!e.user_name.empty()) el.add("user", e.user_name);
  if (f.preserve_gid) el.add("gid", std::to_string(e.gid));
  if (!e.group_name.empty()) el.add("group", e.group_name);
  if (flist::is_device(e.mode) || (flist::is_special(e.mode) && f.protocol < 31))
    el.add("rdev", std::to_string(e.rdev_major) + "," + std::to_string(e.rdev_minor));
  if (flist::is_lnk(e.mode)) el.add("link_target", e.link_target);
  if (e.hlinked) {
    if (f.protocol >= 30)
      el.add("hlink_first_ndx", std::to_string(e.hlink_first_ndx));
    else
      el.add("hlink_dev_ino", std::to_string(e.hlink_dev) + ":" + std::to_string(e.hlink_ino));
  }
  if (!e.checksum.empty()) el.add("checksum", hex_bytes(e.checksum.data(), e.checksum.size()));
}

}  // namespace

const flist::FileEntry* FileIndex::find(int32_t ndx) const {
  auto it = by_ndx_.find(ndx);
  return it == by_ndx_.end() ? nullptr : &it->second;
}

void FileIndex::add_list(std::vector<flist::FileEntry> list, int protocol) {
  flist::sort_file_list(list, protocol);
  for (size_t i = 0; i < list.size(); ++i)
    by_ndx_[next_start_ + static_cast<int32_t>(i)] = std::move(list[i]);
  // Upstream leaves one index free between lists (flist_new: previous start
  // + used + 1); without incremental recursion there is one list anyway.
  next_start_ += static_cast<int32_t>(list.size()) + 1;
  ++list_count_;
}

FileListDissector::FileListDissector(const SessionFacts& f)
    : facts_(f), decoder_(f.flist_options()) {
  index_.set_first_start(f.inc_recurse ? 1 : 0);
}

Status FileListDissector::read_list(StreamCursor& c) {
  std::vector<flist::FileEntry> list;
  const int32_t start_ndx = index_.next_start();
  const int list_no = static_cast<int>(index_.lists());
  for (;;) {
    const size_t start = c.r.pos();
    flist::FlistDecoder::Item it;
    Status st = decoder_.next(c.r, list, start_ndx, &it);
    if (!st.ok()) {
      c.undecoded(start, st);
      return st.need_more() ? Status::Protocol("file list truncated") : st;
    }
    if (it.end) {
      Element& e = c.emit("file-list end", start, list_no);
      e.add("entries", std::to_string(list.size()));
      e.add("io_error", std::to_string(it.io_error));
      break;
    }
    Element& e = c.emit("file-list entry", start, entries_++);
    e.subject = it.entry.name;
    entry_fields(it.entry, facts_, e);
    list.push_back(std::move(it.entry));
  }
  index_.add_list(std::move(list), facts_.protocol);
  return Status::Ok();
}

bool FileListDissector::has_id_lists() const {
  return !facts_.inc_recurse && !facts_.numeric_ids &&
         (facts_.preserve_uid || facts_.preserve_gid || facts_.preserve_acls);
}

Status FileListDissector::read_id_lists(StreamCursor& c) {
  const size_t start = c.r.pos();
  flist::IdListOptions o;
  o.protocol = facts_.protocol;
  o.users = facts_.preserve_uid || facts_.preserve_acls;
  o.groups = facts_.preserve_gid || facts_.preserve_acls;
  o.id0_names = facts_.compat_flags & wire::kCfId0Names;
  flist::IdLists ids;
  Status st = flist::read_id_lists(c.r, o, &ids);
  if (!st.ok()) {
    c.undecoded(start, st);
    return st.need_more() ? Status::Protocol("id lists truncated") : st;
  }
  Element& e = c.emit("id lists", start);
  std::string users, groups;
  for (const auto& u : ids.users)
    users += (users.empty() ? "" : " ") + std::to_string(u.id) + "=" + u.name;
  for (const auto& g : ids.groups)
    groups += (groups.empty() ? "" : " ") + std::to_string(g.id) + "=" + g.name;
  if (o.users) e.add("users", users);
  if (o.groups) e.add("groups", groups);
  return Status::Ok();
}

}  // namespace crsync::pcap
