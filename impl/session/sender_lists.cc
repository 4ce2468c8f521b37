// The sender's file lists (upstream flist.c send_file_list,
// send_extra_file_list): the first list, and under incremental recursion
// the sub-lists of directories sent depth first from the directory tree
// (dirs_) while too few files are ahead of the generator; the entry an
// index names.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <numeric>

#include "checksum/hasher.h"
#include "checksum/strong_sum.h"
#include "flist/flist_sort.h"
#include "flist/id_list.h"
#include "session/sender.h"
#include "session/source_file.h"
#include "wire/ndx_codec.h"
#include "wire/primitives.h"
#include "wire/protocol_format.h"

namespace crsync::session {
namespace {

// The -c sum of a source file, reading a large one a window at a time.
checksum::DigestBuf content_sum(checksum::ChecksumType type, SourceFile& f, Bytes& scratch) {
  if (f.in_memory()) return checksum::file_content_sum(type, f.span());
  checksum::Hasher h(type);
  constexpr size_t kPiece = size_t{1} << 20;
  if (scratch.size() < kPiece) scratch.resize(kPiece);
  for (uint64_t off = 0; off < f.size();) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(kPiece, f.size() - off));
    f.read(off, scratch.data(), n);
    h.update(ByteSpan(scratch.data(), n));
    off += n;
  }
  checksum::DigestBuf d{};
  h.finish(d.data());
  return d;
}

}  // namespace

Status Sender::send_file_list() {
  const flist::FlistOptions fo = flist_options(c_);
  enc_ = std::make_unique<flist::FlistEncoder>(fo);
  enc_->inline_names = c_.neg.inc_recurse;
  enc_->numeric_ids = c_.opts.numeric_ids;
  const auto t0 = std::chrono::steady_clock::now();
  CRSYNC_RETURN_IF_ERROR(send_list(std::move(entries_), 0));
  entries_.clear();
  if (c_.neg.inc_recurse) {
    add_dirs_to_tree(-1, 0);
    SendList& first = lists_.front();
    if (!first.entries.empty() && first.entries.front().entry.basename() == ".")
      first.parent_dir = 0;
    CRSYNC_RETURN_IF_ERROR(send_extra_file_lists(wire::kMinFilecntLookahead));
  }
  CRSYNC_RETURN_IF_ERROR(c_.out->flush());
  const auto t1 = std::chrono::steady_clock::now();
  c_.stats.flist_buildtime_ms = 1;
  c_.stats.flist_xfertime_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t1 - t0).count();
  return Status::Ok();
}

// Encodes one list (entries in send order) with its end marker, then keeps
// it sorted as both sides index it. The first list also carries the id
// lists and, below 30, the io_error word.
Status Sender::send_list(std::vector<flist::SendEntry> entries, int32_t io_error_before) {
  const int proto = c_.protocol();
  const bool first = lists_.empty();
  SendList list;
  list.ndx_start = first ? (c_.neg.inc_recurse ? 1 : 0)
                         : lists_.back().ndx_start + static_cast<int32_t>(lists_.back().count) + 1;
  if (c_.opts.always_checksum) {
    for (auto& se : entries) {
      if (!flist::is_reg(se.entry.mode)) continue;
      int fd = ::open(se.local_path.c_str(),
                      O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (c_.opts.open_noatime ? O_NOATIME : 0));
      if (fd < 0) continue;
      struct stat st {};
      SourceFile mf;
      if (::fstat(fd, &st) == 0 &&
          mf.open(fd, static_cast<size_t>(st.st_size), &small_file_buf_).ok()) {
        const checksum::DigestBuf d = content_sum(c_.neg.file_sum, mf, small_file_buf_);
        se.entry.checksum.assign(d.begin(), d.begin() + checksum::digest_len(c_.neg.file_sum));
      }
      ::close(fd);
    }
  }
  ByteWriter w;
  int64_t written = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& se = entries[i];
    enc_->put_entry(w, se.entry, se.role, list.ndx_start + static_cast<int32_t>(i), list.ndx_start);
    const uint32_t m = se.entry.mode;
    ++c_.stats.num_files;
    if (flist::is_dir(m))
      ++c_.stats.num_dirs;
    else if (flist::is_lnk(m))
      ++c_.stats.num_symlinks;
    else if (flist::is_device(m))
      ++c_.stats.num_devices;
    else if (flist::is_special(m))
      ++c_.stats.num_specials;
    if (flist::is_reg(m) || flist::is_lnk(m)) c_.stats.total_size += se.entry.size;
    if (w.size() >= 32 * 1024) {
      written += static_cast<int64_t>(w.size());
      CRSYNC_RETURN_IF_ERROR(c_.out->write(w));
      w.clear();
    }
  }
  // A sub-list carries only the errors met while scanning it.
  const bool changed = first ? io_error_ != 0 : io_error_ != io_error_before;
  const bool send_err = changed && c_.neg.safe_flist;
  enc_->put_end(w, io_error_, send_err);
  if (first && !c_.neg.inc_recurse && !c_.opts.numeric_ids) {
    flist::IdListOptions io{proto, c_.opts.preserve_uid, c_.opts.preserve_gid, c_.neg.id0_names};
    flist::IdLists ids;
    for (const auto& [id, name] : enc_->uids())
      if (id != 0) ids.users.push_back({id, name});
    for (const auto& [id, name] : enc_->gids())
      if (id != 0) ids.groups.push_back({id, name});
    if (io.id0_names) {
      ids.users.push_back({0, flist::system_user_name(0)});
      ids.groups.push_back({0, flist::system_group_name(0)});
    }
    flist::write_id_lists(w, io, ids);
  }
  if (first && proto < 30) wire::put_int32(w, io_error_);
  c_.stats.flist_size += written + static_cast<int64_t>(w.size());
  CRSYNC_RETURN_IF_ERROR(c_.out->write(w));
  if (first && proto == 30 && !c_.neg.safe_flist && io_error_) {
    ByteWriter m;
    wire::put_int32(m, io_error_);
    CRSYNC_RETURN_IF_ERROR(c_.out->send_msg(wire::MsgCode::kIoError, ByteSpan(m.bytes())));
  }

  // Both sides sort the same way; indexes name sorted positions.
  std::vector<size_t> order(entries.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return flist::f_name_cmp(entries[a].entry, entries[b].entry, proto) < 0;
  });
  list.entries.reserve(entries.size());
  for (size_t i : order) list.entries.push_back(std::move(entries[i]));
  list.sent.assign(list.entries.size(), false);
  list.count = list.entries.size();
  if (!first) files_ahead_ += list.count;
  lists_.push_back(std::move(list));
  return Status::Ok();
}

// Appends the directories of list `list_index` (sorted order) to dirs_ and
// links them as the children of `parent` (upstream add_dirs_to_tree). A
// directory named "." takes an index but is not linked: its contents were
// in the list that holds it.
void Sender::add_dirs_to_tree(int32_t parent, size_t list_index) {
  const SendList& l = lists_[list_index];
  int32_t prev = -1;
  for (size_t i = 0; i < l.entries.size(); ++i) {
    if (!flist::is_dir(l.entries[i].entry.mode)) continue;
    const auto idx = static_cast<int32_t>(dirs_.size());
    DirNode n;
    n.dir = l.entries[i];
    n.parent = parent;
    dirs_.push_back(n);
    if (l.entries[i].entry.basename() == ".") continue;
    if (prev >= 0)
      dirs_[static_cast<size_t>(prev)].next_sibling = idx;
    else if (parent >= 0)
      dirs_[static_cast<size_t>(parent)].first_child = idx;
    else
      send_dir_ = idx;
    prev = idx;
  }
}

// Sends the sub-lists of directories, depth first, while fewer than
// `at_least` files are ahead of the generator (upstream
// send_extra_file_list). Called after the first list and before each
// request is read, so a tree is never held whole: the generator's NDX_DONE
// frees each finished list. A small tree goes out entirely before the
// first request, as upstream sends it.
Status Sender::send_extra_file_lists(size_t at_least) {
  if (flist_eof_) return Status::Ok();
  const int32_t io_error_at_start = io_error_;
  flist::WalkOptions wo = walk_options_;
  while (send_dir_ >= 0 && files_ahead_ < at_least) {
    ByteWriter w;
    out_ndx_->put(w, wire::kNdxFlistOffset - send_dir_);
    CRSYNC_RETURN_IF_ERROR(c_.out->write(w));
    flist::WalkResult wr;
    flist::scan_directory(dirs_[static_cast<size_t>(send_dir_)].dir, wo, &wr);
    CRSYNC_RETURN_IF_ERROR(wr.fatal);
    for (const auto& e : wr.errors) c_.output->xfer_error("rsync: [sender] " + e + "\n");
    const int32_t before = io_error_;
    io_error_ |= wr.io_error;
    if (wr.xfer_error) c_.output->note_xfer_error();
    CRSYNC_RETURN_IF_ERROR(send_list(std::move(wr.entries), before));
    lists_.back().parent_dir = send_dir_;
    add_dirs_to_tree(send_dir_, lists_.size() - 1);
    // Next: the first child, else the next sibling of the nearest ancestor.
    int32_t d = send_dir_;
    if (dirs_[static_cast<size_t>(d)].first_child >= 0) {
      send_dir_ = dirs_[static_cast<size_t>(d)].first_child;
      continue;
    }
    while (d >= 0 && dirs_[static_cast<size_t>(d)].next_sibling < 0)
      d = dirs_[static_cast<size_t>(d)].parent;
    send_dir_ = d >= 0 ? dirs_[static_cast<size_t>(d)].next_sibling : -1;
  }
  if (send_dir_ >= 0) {
    if (io_error_ != io_error_at_start && c_.protocol() == 30) {
      ByteWriter m;
      wire::put_int32(m, io_error_);
      CRSYNC_RETURN_IF_ERROR(c_.out->send_msg(wire::MsgCode::kIoError, ByteSpan(m.bytes())));
    }
    return Status::Ok();
  }
  flist_eof_ = true;
  ByteWriter w;
  out_ndx_->put(w, wire::kNdxFlistEof);
  CRSYNC_RETURN_IF_ERROR(c_.out->write(w));
  if (io_error_ != io_error_at_start && c_.protocol() == 30) {
    ByteWriter m;
    wire::put_int32(m, io_error_);
    CRSYNC_RETURN_IF_ERROR(c_.out->send_msg(wire::MsgCode::kIoError, ByteSpan(m.bytes())));
  }
  return Status::Ok();
}

Sender::Found Sender::find(int32_t ndx) {
  Found f;
  // Lists are in ndx order; the last one starting at or below ndx + 1 may
  // hold it (ndx_start - 1 being its directory).
  auto it = std::upper_bound(lists_.begin(), lists_.end(), ndx,
                             [](int32_t v, const SendList& l) { return v < l.ndx_start - 1; });
  if (it == lists_.begin()) return f;
  SendList& l = *std::prev(it);
  f.list_index = static_cast<size_t>(std::prev(it) - lists_.begin());
  if (ndx == l.ndx_start - 1) {
    if (l.parent_dir < 0) return f;
    f.entry = &dirs_[static_cast<size_t>(l.parent_dir)].dir;
    f.list = &l;
    f.dir_slot = true;
    return f;
  }
  const int64_t pos = int64_t{ndx} - l.ndx_start;
  if (pos < 0 || pos >= static_cast<int64_t>(l.entries.size())) return f;
  f.entry = &l.entries[static_cast<size_t>(pos)];
  f.list = &l;
  f.pos = static_cast<size_t>(pos);
  return f;
}

}  // namespace crsync::session
