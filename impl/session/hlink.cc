// The receiving side's hard links (-H): groups, leaders and the links made
// to them (upstream hlink.c). Called from the generator.
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>
#include <set>
#include <thread>
#include "base/check.h"
#include "delta/signature.h"
#include "delta/token_codec.h"
#include "flist/flist_decoder.h"
#include "flist/flist_sort.h"
#include "flist/id_list.h"
#include "session/receiving.h"
#include "session/receiving_internal.h"
#include "wire/ndx_codec.h"
#include "wire/primitives.h"
#include "wire/protocol_format.h"

namespace crsync::session {

using flist::FileEntry;
using receiving_internal::errno_text;
using receiving_internal::tmp_name_for;

// ---------------------------------------------------------------------------
// Hard links (-H): upstream hlink.c, on the receiving side

// Under incremental recursion a group can span lists: the key map lives
// as long as the session, and a lone member is kept (a later list may link
// to it), as upstream's prior_hlinks table does.
void ReceivingSide::build_hlink_groups(const RecvList& l) {
  const bool inc = c_.neg.inc_recurse;
  std::map<std::pair<int64_t, int64_t>, size_t> local;
  auto& by_key = inc ? hlink_keys_ : local;
  std::vector<size_t> touched;
  for (size_t i = 0; i < l.entries.size(); ++i) {
    const FileEntry& e = l.entries[i];
    if (!e.hlinked || !flist::is_reg(e.mode)) continue;
    // From 30 a group is named by its first entry's index, below 30 by the
    // sender's device and inode.
    const auto key = c_.protocol() >= 30 ? std::pair<int64_t, int64_t>{e.hlink_first_ndx, -1}
                                         : std::pair<int64_t, int64_t>{e.hlink_dev, e.hlink_ino};
    auto [it, fresh] = by_key.try_emplace(key, hlink_groups_.size());
    if (fresh) hlink_groups_.emplace_back();
    hlink_groups_[it->second].members.push_back(l.ndx_start + static_cast<int32_t>(i));
    touched.push_back(it->second);
  }
  for (size_t gi : touched) {
    // Without incremental recursion a lone member links to nothing.
    if (!inc && hlink_groups_[gi].members.size() < 2) continue;
    for (int32_t ndx : hlink_groups_[gi].members) hlink_group_of_[ndx] = gi;
  }
}

// Groups every list received so far (at least `upto` of them), in order,
// as upstream's match_hard_links runs on each list as it arrives.
void ReceivingSide::group_received_lists(size_t upto) {
  const size_t n = std::max(upto, list_count());
  while (hlink_lists_grouped_ < n) {
    RecvList* l = nullptr;
    {
      std::lock_guard<std::mutex> lock(mu_);
      l = &lists_[hlink_lists_grouped_];
    }
    build_hlink_groups(*l);
    ++hlink_lists_grouped_;
  }
}

// Files in the lists received and not yet finished (upstream file_total).
size_t ReceivingSide::files_ahead() {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (size_t i = lists_finished_; i < lists_.size(); ++i) n += lists_[i].count;
  return n;
}

ReceivingSide::HlinkGroup* ReceivingSide::hlink_group(int32_t ndx) {
  auto it = hlink_group_of_.find(ndx);
  return it == hlink_group_of_.end() ? nullptr : &hlink_groups_[it->second];
}

// A member other than the group's first links to a finished leader, or
// waits for one being transferred; a missing member that is not the last
// waits too, so that the last one is transferred and the others linked to
// it (upstream hard_link_check and the FLAG_HLINK_LAST rule).
Status ReceivingSide::hlink_follower(const FileEntry& e, int32_t ndx, bool exists, bool* handled) {
  (void)e;
  *handled = false;
  HlinkGroup* g = hlink_group(ndx);
  if (!g) return Status::Ok();
  const bool first = g->members.front() == ndx;
  const bool last = g->members.back() == ndx;
  if (!first && g->leader >= 0) {
    *handled = true;
    if (g->leader_done) return link_to_leader(ndx, g->leader);
    wait_for_leader(*g, ndx);
    return Status::Ok();
  }
  if (!exists && !last) {
    *handled = true;
    wait_for_leader(*g, ndx);
  }
  return Status::Ok();
}

// A waiting member keeps its list from finishing (upstream counts it in
// the list's in_progress), so its NDX_DONE cannot precede its link.
void ReceivingSide::wait_for_leader(HlinkGroup& g, int32_t ndx) {
  g.waiting.push_back(ndx);
  if (c_.neg.inc_recurse)
    if (RecvList* l = list_for(ndx)) ++l->in_progress;
}

Status ReceivingSide::hlink_leader_done(int32_t ndx) {
  HlinkGroup* g = hlink_group(ndx);
  if (!g || g->leader != ndx || g->leader_done) return Status::Ok();
  g->leader_done = true;
  std::vector<int32_t> waiting;
  waiting.swap(g->waiting);
  // The latest to wait is linked first: upstream chains each waiting
  // member right behind the leader and walks the chain from there.
  for (auto it = waiting.rbegin(); it != waiting.rend(); ++it) {
    CRSYNC_RETURN_IF_ERROR(link_to_leader(*it, ndx));
    if (c_.neg.inc_recurse)
      if (RecvList* l = list_for(*it); l && l->in_progress > 0) --l->in_progress;
  }
  return c_.out->flush();
}

// The sender could not send the leader: its waiting members stay as they
// are (no link to a file that is not there), and no longer hold their
// lists open; a later member is transferred on its own.
Status ReceivingSide::hlink_leader_lost(int32_t ndx) {
  HlinkGroup* g = hlink_group(ndx);
  if (!g || g->leader != ndx || g->leader_done) return Status::Ok();
  g->leader = -1;
  for (int32_t w : g->waiting)
    if (c_.neg.inc_recurse)
      if (RecvList* l = list_for(w); l && l->in_progress > 0) --l->in_progress;
  g->waiting.clear();
  return Status::Ok();
}

Status ReceivingSide::link_to_leader(int32_t ndx, int32_t leader) {
  const FileEntry* e = entry_at(ndx);
  const FileEntry* le = entry_at(leader);
  if (!e || !le) return Status::Ok();
  const std::string rel = local_name(*e), lrel = local_name(*le);
  struct stat st {
  }, lst{};
  bool exists = false, lexists = false;
  CRSYNC_RETURN_IF_ERROR(dest_.lstat(rel, &st, &exists));
  CRSYNC_RETURN_IF_ERROR(dest_.lstat(lrel, &lst, &lexists));
  if (exists && lexists && st.st_dev == lst.st_dev && st.st_ino == lst.st_ino)  // already linked
    return c_.opts.remove_source_files == 1 ? send_success(ndx) : Status::Ok();
  uint32_t iflags = wire::kItemLocalChange | wire::kItemXnameFollows;
  iflags |= exists ? itemize_existing(*e, st) : wire::kItemIsNew;
  // A missing member that a basis directory has (--link-dest: as the very
  // file the leader is; the others: passing the quick check) is not shown
  // as new, and with --link-dest not at all unless items are asked for at
  // -vv or -ii (upstream hard_link_check).
  bool report = true;
  if (!exists && !basis_dirs_.empty()) {
    const Options& o = c_.opts;
    bool found = false;
    struct stat alt {};
    for (size_t j = 0; j < basis_dirs_.size(); ++j) {
      struct stat bst {};
      if (!basis_dir_lstat(j, rel, &bst)) continue;
      if (o.alt_dest == AltDest::kLink) {
        if (o.dry_run || !lexists || bst.st_dev != lst.st_dev || bst.st_ino != lst.st_ino) continue;
        found = true;
        alt = bst;
        if (o.item_format.has_i == 0 || (o.info(Info::kName) < 2 && o.item_format.has_i < 2)) {
          report = false;
          if (o.info(Info::kName) >= 2 && alt_attrs_report())
            c_.output->info(rel + " is uptodate\n");
        }
        break;
      }
      if (!S_ISREG(bst.st_mode) || !alt_quick_check(*e, j, rel, bst)) continue;
      found = true;
      alt = bst;
      if (alt_unchanged_attrs(*e, bst)) break;
    }
    if (found)
      iflags = wire::kItemLocalChange | wire::kItemXnameFollows | itemize_existing(*e, alt);
  }
  if (!c_.opts.dry_run) {
    if (!lexists) {
      c_.output->error("rsync: [generator] stat \"" + lrel + "\" failed: " + errno_text(ENOENT) +
                       "\n");
      c_.output->note_xfer_error();
      return Status::Ok();
    }
    fs::Fd parent, lparent;
    std::string base, lbase;
    CRSYNC_RETURN_IF_ERROR(dest_.open_parent(rel, &parent, &base));
    CRSYNC_RETURN_IF_ERROR(dest_.open_parent(lrel, &lparent, &lbase));
    if (exists && !S_ISDIR(st.st_mode) && c_.opts.making_backups() &&
        make_backup(rel, BackupHow::kLinkFirst) == BackupResult::kFailed)
      return Status::Ok();
    const std::string tmp = tmp_name_for(base);
    if (::linkat(lparent.get(), lbase.c_str(), parent.get(), tmp.c_str(), 0) != 0 ||
        ::renameat(parent.get(), tmp.c_str(), parent.get(), base.c_str()) != 0) {
      c_.output->error("rsync: [generator] link \"" + rel + "\" => " + lrel +
                       " failed: " + errno_text(errno) + "\n");
      c_.output->note_xfer_error();
      ::unlinkat(parent.get(), tmp.c_str(), 0);
      return Status::Ok();
    }
  }
  if (!report) return c_.opts.remove_source_files == 1 ? send_success(ndx) : Status::Ok();
  if (gen_logs() && gen_logs_item(c_, iflags, *e, true)) log_item(iflags, *e, lrel);
  if (server_names()) c_.output->info(e->name + " => " + lrel + "\n");
  if (c_.protocol() >= 29) {
    ByteWriter w;
    gen_ndx_->put(w, ndx);
    wire::put_int16(w, static_cast<uint16_t>(iflags & 0xFFFF));
    CRSYNC_RETURN_IF_ERROR(wire::put_vstring(w, lrel));
    CRSYNC_RETURN_IF_ERROR(c_.out->write(w));
  }
  return c_.opts.remove_source_files == 1 ? send_success(ndx) : Status::Ok();
}

}  // namespace crsync::session
