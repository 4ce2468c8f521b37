// The receiving side's receiver: reads the sender's token streams and
// builds files (upstream receiver.c). This file holds the receiver thread's
// loop (indexes, sub-lists, phases, --delay-updates, statistics); one
// file's data is handled in receive_file.cc.
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

// ---------------------------------------------------------------------------
// Receiver

// --delay-updates: the files parked in their partial dirs (.~tmp~ unless
// --partial-dir names one) go into place (each backed up first with -b),
// and the emptied partial dirs are removed (upstream
// handle_delayed_updates).
Status ReceivingSide::handle_delayed_updates() {
  std::vector<int32_t> todo;
  todo.swap(delayed_);
  for (const int32_t ndx : todo) {
    const FileEntry* e = entry_at(ndx);
    if (!e) continue;
    const std::string rel = local_name(*e);
    fs::Fd parent;
    std::string base;
    if (!dest_.open_parent(rel, &parent, &base).ok()) continue;
    fs::Fd pdir = partial_dir_at(parent.get(), false);
    const std::string parked = partial_name(rel);
    if (c_.opts.making_backups() &&
        make_backup(rel, BackupHow::kLinkFirst) == BackupResult::kFailed)
      continue;
    if (!pdir.valid() || ::renameat(pdir.get(), base.c_str(), parent.get(), base.c_str()) != 0) {
      c_.output->error("rsync: [receiver] rename failed for \"" + rel + "\" (from " + parked +
                       "): " + errno_text(pdir.valid() ? errno : ENOENT) + "\n");
      c_.output->note_xfer_error();
      continue;
    }
    if (e->hlinked || c_.opts.remove_source_files) post({Event::kSuccess, ndx});
    remove_partial_dir(parent.get());  // once it is empty
  }
  return Status::Ok();
}

// NDX_DELETED_STATS from the sender: five varints of deletion counts.
Status ReceivingSide::read_del_stats() {
  int32_t v[5];
  for (auto& x : v) CRSYNC_RETURN_IF_ERROR(c_.in->read_varint(&x));
  c_.stats.deleted_files = int64_t{v[0]} + v[1] + v[2] + v[3] + v[4];
  c_.stats.deleted_dirs = v[1];
  c_.stats.deleted_symlinks = v[2];
  c_.stats.deleted_devices = v[3];
  c_.stats.deleted_specials = v[4];
  return Status::Ok();
}

Status ReceivingSide::receiver_main() {
  const delta::CompressionSetting cs =
      delta::resolve_compression(c_.neg.compress, compress_level(c_.opts));
  if (cs.type != wire::CompressType::kNone)
    decompressor_ = std::make_unique<delta::CompressedTokenReader>(cs.type, c_.protocol());
  const int proto = c_.protocol();
  wire::NdxDecoder dec(proto);
  const auto read_ndx = [&](int32_t* ndx) {
    return c_.in->decode([&](ByteReader& r) { return dec.get(r, ndx); });
  };
  int phase = 0;
  bool flist_eof_seen = false;
  const bool inc = c_.neg.inc_recurse;
  // --progress: a file's place counts the entries of every list before
  // its own (upstream's ndx minus the list's number); the "current list"
  // is the last one a file came from, as upstream's cur_flist.
  const int64_t list_base = inc ? 1 : 0;
  const auto list_index_of = [&](int32_t ndx) -> int64_t {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = std::upper_bound(lists_.begin(), lists_.end(), ndx,
                               [](int32_t v, const RecvList& l) { return v < l.ndx_start - 1; });
    return it == lists_.begin() ? 0 : (std::prev(it) - lists_.begin());
  };
  int64_t cur_list = 0;
  if (c_.progress) c_.progress->set_flist_eof(!inc);
  for (;;) {
    int32_t ndx = 0;
    CRSYNC_RETURN_IF_ERROR(read_ndx(&ndx));
    if (ndx == wire::kNdxDone) {
      if (c_.progress && cur_list >= 0 && static_cast<size_t>(cur_list) < list_count()) {
        int64_t last = 0;
        {
          std::lock_guard<std::mutex> lock(mu_);
          const RecvList& l = lists_[static_cast<size_t>(cur_list)];
          last = l.ndx_start + static_cast<int64_t>(l.count) - 1;
        }
        c_.progress->at_list_done(last - (cur_list + list_base));
      }
      // Incremental recursion: every list's NDX_DONE but the last only
      // frees it.
      if (inc && lists_freed_ < list_count()) {
        if (cur_list == static_cast<int64_t>(lists_freed_))
          cur_list = lists_freed_ + 1 < list_count() ? cur_list + 1 : -1;
        // The generator sent this NDX_DONE once it had finished the list.
        free_list(lists_freed_);
        ++lists_freed_;
        if (lists_freed_ < list_count()) continue;
      }
      if (++phase > c_.max_phase()) break;
      if (phase == 2 && c_.opts.delay_updates) CRSYNC_RETURN_IF_ERROR(handle_delayed_updates());
      post({Event::kDone, 0});
      continue;
    }
    if (ndx == wire::kNdxDelStats && proto >= 31) {
      CRSYNC_RETURN_IF_ERROR(read_del_stats());
      continue;
    }
    if (inc && ndx == wire::kNdxFlistEof) {
      CRSYNC_PEER_CHECK(!flist_eof_seen, ExitCode::kProtocol, "repeated NDX_FLIST_EOF");
      CRSYNC_PEER_CHECK(phase == 0, ExitCode::kProtocol, "NDX_FLIST_EOF after phase 0");
      flist_eof_seen = true;
      if (c_.progress) c_.progress->set_flist_eof(true);
      post({Event::kFlistEof, 0});
      continue;
    }
    if (inc && ndx <= wire::kNdxFlistOffset) {
      CRSYNC_PEER_CHECK(!flist_eof_seen && phase == 0, ExitCode::kProtocol,
                        "rsync: refusing sub-flist after the final flist");
      CRSYNC_RETURN_IF_ERROR(receive_sub_list(wire::kNdxFlistOffset - ndx));
      continue;
    }
    const FileEntry* ep = ndx >= 0 ? entry_at(ndx) : nullptr;
    if (!ep) {
      size_t n = 0;
      int64_t first = 0, last = -1;
      {
        std::lock_guard<std::mutex> lock(mu_);
        n = lists_.size();
        if (n) {
          first = lists_.front().ndx_start;
          last = lists_.back().ndx_start + static_cast<int64_t>(lists_.back().count) - 1;
        }
      }
      return Status::Error(ExitCode::kProtocol, "Invalid file index: " + std::to_string(ndx) +
                                                    " (" + std::to_string(first) + " - " +
                                                    std::to_string(last) + ") [receiver]");
    }
    const FileEntry& e = *ep;
    cur_list = list_index_of(ndx);
    uint16_t iflags16 = wire::kItemTransfer;
    uint32_t iflags = wire::kItemTransfer | wire::kItemMissingData;
    std::string xname;
    uint8_t basis_type = wire::kFnamecmpFname;
    if (proto >= 29) {
      CRSYNC_RETURN_IF_ERROR(c_.in->read_int16(&iflags16));
      iflags = iflags16;
      if (iflags & wire::kItemBasisTypeFollows) {
        CRSYNC_RETURN_IF_ERROR(c_.in->read_byte(&basis_type));
        // Our generator names the destination, the partial file (the
        // destination when there is no partial dir), (--inplace -b) the
        // destination's backup, or one of our basis directories.
        CRSYNC_PEER_CHECK(
            basis_type == wire::kFnamecmpFname || basis_type == wire::kFnamecmpPartialDir ||
                (basis_type == wire::kFnamecmpBackup && c_.opts.making_backups()) ||
                basis_type < basis_dirs_.size(),
            ExitCode::kProtocol, "invalid basis_dir index: " + std::to_string(basis_type) + ".");
      }
      if (iflags & wire::kItemXnameFollows) {
        CRSYNC_RETURN_IF_ERROR(c_.in->decode(
            [&](ByteReader& r) { return wire::get_vstring(r, wire::kMaxPathLen, &xname); }));
      }
    }
    if (!(iflags & wire::kItemTransfer)) {
      // A pull's client prints the items the sender echoes.
      if (!c_.am_server &&
          (should_log_nontransfer(c_, iflags, e) || (c_.logs_items() && !xname.empty())))
        log_item(iflags, e, xname);
      count_created(c_.stats, iflags, e);
      continue;
    }
    CRSYNC_PEER_CHECK(
        flist::is_reg(e.mode), ExitCode::kProtocol,
        "received request to transfer non-regular file: " + std::to_string(ndx) + " [receiver]");
    CRSYNC_PEER_CHECK(phase < 2, ExitCode::kProtocol, "got transfer request in phase 2 [receiver]");
    const bool redo_before = redo_done_.count(ndx) > 0;
    // A redone file counts twice, as in upstream's statistics.
    ++c_.stats.xferred_files;
    c_.stats.total_transferred_size += e.size;
    if (!redo_before) count_created(c_.stats, iflags, e);
    if (c_.progress) c_.progress->set_file_index(ndx - cur_list - list_base);
    const bool log_before = c_.opts.item_format.log_before_transfer;
    if (c_.opts.dry_run) {
      if (!c_.am_server && c_.logs_items()) log_item(iflags, e);
      continue;
    }
    if (!c_.am_server && c_.logs_items() && log_before)
      log_item(iflags, e);
    else if (!c_.am_server && c_.opts.info(Info::kName) >= 1 && c_.opts.info(Info::kProgress) == 1)
      c_.output->info(local_name(e) + "\n");
    const uint64_t read_before = c_.in->data_read();
    last_sum_hex_.clear();
    bool delayed = false, placed = false;
    CRSYNC_RETURN_IF_ERROR(receive_one(e, ndx, basis_type, &delayed, &placed));
    if (!c_.am_server && c_.logs_items() && !log_before)
      log_item(iflags, e, {}, static_cast<int64_t>(c_.in->data_read() - read_before),
               last_sum_hex_);
    if (!c_.opts.transfer_log_format.empty()) {
      ItemExtras x;
      x.data_read = static_cast<int64_t>(c_.in->data_read() - read_before);
      x.checksum_hex = last_sum_hex_;
      log_transfer(c_, iflags, e, x);
    }
    // Incremental recursion: the generator counts each file's outcome (a
    // redo request reports itself; a delayed file once it is in place).
    // --remove-source-files: a file in place is reported to the sender.
    if (!delayed && (inc || e.hlinked || (placed && c_.opts.remove_source_files)) &&
        (redo_before || !redo_done_.count(ndx)))
      post({placed ? Event::kSuccess : Event::kFailed, ndx});
  }
  // Below 29 there is no phase 2: the delayed files go into place now.
  if (phase == 2 && c_.opts.delay_updates) CRSYNC_RETURN_IF_ERROR(handle_delayed_updates());
  // A client receiver reads the server sender's statistics.
  if (!c_.am_server) {
    int64_t v[5] = {0, 0, 0, 0, 0};
    const int n = proto >= 29 ? 5 : 3;
    for (int i = 0; i < n; ++i)
      CRSYNC_RETURN_IF_ERROR(
          c_.in->decode([&](ByteReader& r) { return wire::get_varlong30(r, 3, proto, &v[i]); }));
    c_.stats.total_written = v[0];  // the sender's read and written, swapped
    c_.stats.total_read = v[1];
    c_.stats.total_size = v[2];
    c_.stats.flist_buildtime_ms = v[3];
    c_.stats.flist_xfertime_ms = v[4];
  }
  post({Event::kDone, 0});
  if (proto >= 31) {
    int32_t ndx = 0;
    CRSYNC_RETURN_IF_ERROR(read_ndx(&ndx));
    while (ndx == wire::kNdxDelStats) {
      CRSYNC_RETURN_IF_ERROR(read_del_stats());
      CRSYNC_RETURN_IF_ERROR(read_ndx(&ndx));
    }
    CRSYNC_PEER_CHECK(ndx == wire::kNdxDone, ExitCode::kProtocol,
                      "Invalid packet at end of run [receiver]");
    post({Event::kDone, 0});
  }
  return Status::Ok();
}

}  // namespace crsync::session
