// The generator's course (upstream generator.c generate_files,
// check_for_finished_files, touch_up_dirs): the receiver's reports through
// the event queue, the lists generated one by one with an NDX_DONE for each
// finished one under incremental recursion, the phase ends, and the final
// touch-up of directory attributes.
#include <fcntl.h>
#include <sys/stat.h>

#include <functional>
#include <mutex>

#include "base/check.h"
#include "session/receiving.h"
#include "wire/ndx_codec.h"
#include "wire/protocol_format.h"

namespace crsync::session {

using flist::FileEntry;

// The per-file reports are batched: the generator is woken for them once
// 32 have queued up or when the receiver is about to wait for input
// (signal_events, the input's before-block hook), not once per file,
// which in a local copy was a thread switch per file. Every other event
// wakes it at once. (It never sleeps while events are queued: it waits
// only for an empty queue to fill.)
void ReceivingSide::post(Event ev) {
  bool wake = true;
  {
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back(ev);
    const bool routine =
        ev.kind == Event::kSuccess || ev.kind == Event::kFailed || ev.kind == Event::kNoSend;
    if (routine && ++unsignalled_ < 32)
      wake = false;
    else
      unsignalled_ = 0;
  }
  if (wake) cv_.notify_all();
}

void ReceivingSide::signal_events() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (unsignalled_ == 0) return;
    unsignalled_ = 0;
  }
  cv_.notify_all();
}

// Acts on one report from the receiver.
Status ReceivingSide::handle_event(const Event& ev) {
  switch (ev.kind) {
    case Event::kDone: ++dones_seen_; return Status::Ok();
    case Event::kStop: return Status::Stream("receiver stopped");
    case Event::kNewList: return Status::Ok();
    case Event::kFlistEof: flist_eof_ = true; return Status::Ok();
    case Event::kSuccess:
    case Event::kFailed:
    case Event::kNoSend:
      if (RecvList* l = list_for(ev.ndx); l && l->in_progress > 0) --l->in_progress;
      if (ev.kind == Event::kSuccess) CRSYNC_RETURN_IF_ERROR(send_success(ev.ndx));
      if (c_.opts.preserve_hard_links)
        return ev.kind == Event::kNoSend ? hlink_leader_lost(ev.ndx) : hlink_leader_done(ev.ndx);
      return Status::Ok();
    case Event::kRedo: {
      RecvList* l = list_for(ev.ndx);
      const FileEntry* e = entry_at(ev.ndx);
      if (!l || !e) return Status::Ok();
      if (c_.neg.inc_recurse && l->in_progress > 0) --l->in_progress;
      CRSYNC_RETURN_IF_ERROR(generate_regular(*e, ev.ndx, true));
      return c_.out->flush();
    }
  }
  return Status::Ok();
}

// Handles the receiver's reports until `ready()` holds.
Status ReceivingSide::wait_for(const std::function<bool()>& ready) {
  for (;;) {
    if (ready()) return Status::Ok();
    Event ev{};
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return !events_.empty(); });
      ev = events_.front();
      events_.pop_front();
    }
    CRSYNC_RETURN_IF_ERROR(handle_event(ev));
    if (c_.neg.inc_recurse) CRSYNC_RETURN_IF_ERROR(finish_lists(false));
  }
}

Status ReceivingSide::wait_dones(int count) {
  return wait_for([&] { return dones_seen_ >= count; });
}

// Incremental recursion: one NDX_DONE for each list the generator has
// moved past and whose transfers have all been reported (upstream
// check_for_finished_files). The last list's NDX_DONE ends phase 0.
Status ReceivingSide::finish_lists(bool) {
  // lists_generated_ counts the lists the generator has moved past: a list
  // is only finished once the next one has started (or there is none), so
  // the sender never runs out of lists early.
  while (lists_finished_ < lists_generated_) {
    RecvList* l = nullptr;
    {
      std::lock_guard<std::mutex> lock(mu_);
      l = &lists_[lists_finished_];
    }
    if (l->in_progress > 0 || l->to_redo > 0) break;
    ByteWriter w;
    gen_ndx_->put(w, wire::kNdxDone);
    CRSYNC_RETURN_IF_ERROR(c_.out->write(w));
    CRSYNC_RETURN_IF_ERROR(c_.out->flush());
    ++lists_finished_;
  }
  return Status::Ok();
}

void ReceivingSide::touch_up_dirs() {
  if (c_.opts.dry_run || c_.opts.list_only) return;
  size_t n = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    n = dirs_.size();
  }
  // Every directory, last list first, each list's in reverse sorted order.
  for (size_t di = n; di-- > 0;) {
    {
      const FileEntry* ep = nullptr;
      {
        std::lock_guard<std::mutex> lock(mu_);
        ep = &dirs_[di];
      }
      const FileEntry& e = *ep;
      if (!flist::is_dir(e.mode) || e.cleared || skipped_implied_dir(e)) continue;
      // A directory the module refused keeps what it was made with.
      if (daemon_excluded(local_name(e), true)) continue;
      fs::Fd parent;
      std::string base;
      const std::string rel = local_name(e);
      if (!dest_.open_parent(rel, &parent, &base).ok()) continue;
      // Only what differs is changed (upstream retouches a directory's
      // time only when it differs, and its mode only to undo our 0700).
      const std::string name = base.empty() ? "." : base;
      struct stat st {};
      const bool have = ::fstatat(parent.get(), name.c_str(), &st,
                                  dest_.is_dirlink(rel) ? 0 : AT_SYMLINK_NOFOLLOW) == 0;
      set_attrs(parent.get(), name, e, -1, false, true, have ? &st : nullptr);
    }
  }
}

// Generates one list: under incremental recursion first the directory the
// list holds (with its deletions), then its entries, whose directories are
// only created until their own lists come.
Status ReceivingSide::generate_list(size_t li) {
  if (c_.opts.list_only) return list_entries(li);
  RecvList* l = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    l = &lists_[li];
  }
  const DeleteMode dm = c_.opts.effective_delete(c_.protocol());
  if (dm != DeleteMode::kNone)
    for (const auto& e : l->entries) names_.insert(local_name(e));
  if (c_.opts.preserve_hard_links) group_received_lists(li + 1);
  const bool inc = c_.neg.inc_recurse;
  if (inc && l->parent_dir >= 0) {
    const int32_t ndx = l->ndx_start - 1;
    const FileEntry* d = entry_at(ndx);
    if (d && !daemon_refuses(*d, false)) {
      CRSYNC_RETURN_IF_ERROR(generate_dir(*d, ndx, false));
      if (dm == DeleteMode::kDuring && is_content_dir(*d))
        CRSYNC_RETURN_IF_ERROR(delete_extraneous(local_name(*d)));
    }
  }
  for (size_t i = 0; i < l->entries.size(); ++i) {
    const FileEntry& e = l->entries[i];
    if (e.cleared) continue;
    const int32_t ndx = l->ndx_start + static_cast<int32_t>(i);
    CRSYNC_RETURN_IF_ERROR(generate_entry(e, ndx, false, inc));
    if (!inc && dm == DeleteMode::kDuring && is_content_dir(e))
      CRSYNC_RETURN_IF_ERROR(delete_extraneous(local_name(e)));
    // Upstream checks for finished lists after each entry (not after the
    // list's own directory), which places their NDX_DONEs in the stream.
    if (inc) CRSYNC_RETURN_IF_ERROR(finish_lists(false));
  }
  return Status::Ok();
}

Status ReceivingSide::generator_main() {
  const int proto = c_.protocol();
  wire::NdxEncoder enc(proto);
  gen_ndx_ = &enc;
  const auto done = [&]() -> Status {
    ByteWriter w;
    enc.put(w, wire::kNdxDone);
    CRSYNC_RETURN_IF_ERROR(c_.out->write(w));
    return c_.out->flush();
  };
  const DeleteMode dm = c_.opts.effective_delete(proto);
  const bool late_delete = dm == DeleteMode::kDelay || dm == DeleteMode::kAfter;
  const bool del_stats = proto >= 31 && c_.opts.info(Info::kStats) >= 2 && dm != DeleteMode::kNone;
  if (!c_.neg.inc_recurse) {
    if (dm == DeleteMode::kBefore) {
      for (const auto& e : lists_.front().entries) names_.insert(local_name(e));
      CRSYNC_RETURN_IF_ERROR(delete_pass());
    }
    CRSYNC_RETURN_IF_ERROR(generate_list(0));
    lists_generated_ = 1;
    CRSYNC_RETURN_IF_ERROR(done());  // G1: end of phase 0
  } else {
    for (size_t li = 0;; ++li) {
      CRSYNC_RETURN_IF_ERROR(wait_for([&] { return flist_eof_ || list_count() > li; }));
      if (list_count() <= li) {
        lists_generated_ = li;
        break;
      }
      lists_generated_ = li;  // moved past the previous lists
      if (c_.opts.preserve_hard_links) {
        // Upstream's generator looks ahead before each list, so that the
        // hard-link groups know members of later lists (which member is
        // the last, and so transferred, depends on it).
        CRSYNC_RETURN_IF_ERROR(wait_for(
            [&] { return flist_eof_ || files_ahead() >= wire::kMinFilecntLookahead / 2; }));
      }
      CRSYNC_RETURN_IF_ERROR(generate_list(li));
      CRSYNC_RETURN_IF_ERROR(finish_lists(false));  // and at the end of each list
      CRSYNC_RETURN_IF_ERROR(c_.out->flush());
    }
    // The remaining lists get their NDX_DONE as their transfers end; the
    // last one is G1.
    CRSYNC_RETURN_IF_ERROR(finish_lists(true));
  }
  CRSYNC_RETURN_IF_ERROR(wait_dones(1));  // redo requests until R1
  CRSYNC_RETURN_IF_ERROR(done());         // G2: end of the redo phase
  const bool delay = c_.opts.delay_updates;
  if (proto >= 29 && !delay) CRSYNC_RETURN_IF_ERROR(done());  // G3
  if (proto >= 31 && !late_delete) {
    if (del_stats) CRSYNC_RETURN_IF_ERROR(send_del_stats());
    if (!delay) CRSYNC_RETURN_IF_ERROR(done());  // G4
  }
  CRSYNC_RETURN_IF_ERROR(wait_dones(2));
  if (proto >= 29) {
    if (delay) {
      CRSYNC_RETURN_IF_ERROR(done());
      if (proto >= 31 && !late_delete) CRSYNC_RETURN_IF_ERROR(done());
    }
    CRSYNC_RETURN_IF_ERROR(wait_dones(3));
  }
  if (late_delete) {
    CRSYNC_RETURN_IF_ERROR(delete_pass());
    CRSYNC_RETURN_IF_ERROR(c_.out->flush());
  }
  if (c_.opts.max_delete >= 0 && skipped_deletes_) {
    c_.output->warning("Deletions stopped due to --max-delete limit (" +
                       std::to_string(skipped_deletes_) + " skipped)\n");
    io_error_ |= static_cast<int32_t>(wire::kIoerrDelLimit);
  }
  if (proto >= 31) {
    if (late_delete) {
      if (del_stats) CRSYNC_RETURN_IF_ERROR(send_del_stats());
      CRSYNC_RETURN_IF_ERROR(done());  // G4
    }
    CRSYNC_RETURN_IF_ERROR(wait_dones(4));
  }
  touch_up_dirs();
  return done();  // G5: the goodbye
}

}  // namespace crsync::session
