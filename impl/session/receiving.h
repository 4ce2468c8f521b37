// The receiving side: receives the file list, then runs the generator (a
// thread that decides what each file needs and writes requests to the
// sender) and the receiver (this thread: reads the sender's token streams
// and builds files) as upstream's two forked processes do, talking through
// an internal event queue instead of a pipe (upstream generator.c,
// receiver.c, main.c do_recv).
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "checksum/sum_sizes.h"
#include "delta/compressed_token.h"
#include "delta/token_codec.h"
#include "filter/dir_filters.h"
#include "flist/flist_decoder.h"
#include "fs/dest_root.h"
#include "session/context.h"
#include "session/id_mapper.h"
#include "session/item_output.h"
#include "wire/ndx_codec.h"

namespace crsync::session {

class ReceivingSide {
 public:
  // `dest` is the destination argument as given (a directory, or a file
  // name when a single file is sent).
  ReceivingSide(Context& c, std::string dest)
      : c_(c), dest_arg_(std::move(dest)), decoder_(flist_options(c)) {}
  Status run();

 private:
  // Receiver -> generator reports (upstream's internal pipe).
  struct Event {
    // kSuccess: a file is in place; kFailed: its transfer ended without it.
    enum Kind { kDone, kRedo, kStop, kSuccess, kFailed, kNoSend, kNewList, kFlistEof } kind;
    int32_t ndx = 0;
  };
  // One received file list: the first, or (incremental recursion) one
  // directory's sub-list. Entries are sorted; a list is immutable once the
  // receiver thread has published it.
  struct RecvList {
    int32_t ndx_start = 0;
    int32_t parent_dir = -1;  // index into dirs_ of the directory it holds, or -1
    size_t count = 0;         // entries it had (freed once both sides are done)
    std::vector<flist::FileEntry> entries;
    int in_progress = 0;  // generator only: transfers not yet reported
    int to_redo = 0;      // generator only: redo requests not yet sent
  };
  Status receive_file_list();
  Status receive_sub_list(int32_t dir_ndx);
  Status read_list_entries(RecvList* list, const std::string& dir_name);
  void drop_duplicates(std::vector<flist::FileEntry>& entries);
  void publish_list(RecvList list);
  size_t list_count();
  // The list holding `ndx` (ndx_start - 1 names its directory) or nullptr.
  RecvList* list_for(int32_t ndx);
  // The entry `ndx` names, or nullptr.
  const flist::FileEntry* entry_at(int32_t ndx);
  Status open_destination();
  // ---- generator ----
  Status generator_main();
  Status generate_list(size_t li);
  Status finish_lists(bool all_generated);
  Status handle_event(const Event& ev);
  Status wait_for(const std::function<bool()>& ready);
  // `partial_dir`: a directory met inside its parent's list under
  // incremental recursion; it is only created here, and handled in full
  // when its own list starts.
  Status generate_entry(const flist::FileEntry& e, int32_t ndx, bool redo, bool partial_dir);
  Status generate_dir(const flist::FileEntry& e, int32_t ndx, bool partial);
  // -K: takes the destination's symlink at rel as the directory it points
  // at (and *st becomes that directory's); false when it does not point at
  // a directory or is a symlink this transfer made.
  bool keep_dirlink(const std::string& rel, struct stat* st);
  bool skipped_implied_dir(const flist::FileEntry& e) const;
  // A daemon module's filter list (upstream daemon_filter_list): `rel` is
  // relative to the destination.
  bool daemon_excluded(const std::string& rel, bool is_dir) const;
  // Whether the generator passes over `e`: the module excludes it ("daemon
  // refused to receive", unless `in_parent_list`: a directory seen in its
  // parent's incremental list is passed over silently) or it lies below a
  // directory so refused.
  bool daemon_refuses(const flist::FileEntry& e, bool in_parent_list);
  Status make_parents(const std::string& rel);
  Status generate_symlink(const flist::FileEntry& e, int32_t ndx);
  Status generate_special(const flist::FileEntry& e, int32_t ndx);
  Status generate_regular(const flist::FileEntry& e, int32_t ndx, bool redo);
  // An item for the sender to log; with kItemXnameFollows, `xname` follows.
  Status send_item(int32_t ndx, uint32_t iflags, const std::string* xname = nullptr);
  Status delete_extraneous(const std::string& dir_rel);
  Status delete_item(int parent_fd, const std::string& base, const std::string& rel, bool is_dir);
  Status delete_contents(int dir_fd, const std::string& rel);
  Status remove_now(int parent_fd, const std::string& base, const std::string& rel, bool is_dir);
  bool at_delete_limit();
  void report_delete(const std::string& rel, uint32_t mode);
  bool is_content_dir(const flist::FileEntry& e) const;
  Status delete_pass();
  Status send_del_stats();
  Status wait_dones(int count);
  void touch_up_dirs();
  // ---- receiver ----
  Status receiver_main();
  // `basis_type`: the FNAMECMP type the generator chose (fname or backup).
  // `delayed` is set when --delay-updates holds the file back.
  // `placed` is set when the file is in place.
  Status receive_one(const flist::FileEntry& e, int32_t ndx, uint8_t basis_type, bool* delayed,
                     bool* placed);
  int copy_bridged(int src, uint64_t size, bool sparse, int out_fd, const std::string& rel,
                   Bytes& buf, const std::function<void()>& flush, uint64_t& out_off, Status& ws);
  Status discard_file_data();
  Status read_del_stats();
  Status discard_tokens(const checksum::SumHead& h);
  // One token of the current file, plain or compressed (-z).
  Status read_token(const checksum::SumHead& h, delta::Token* t,
                    const std::function<void(const delta::Token&)>& on_literal);
  // A block the sender referenced, for zlib's history: its basis bytes, or
  // zeros of its length when there is no basis (a discarded file).
  Status see_block(const checksum::SumHead& h, int32_t block, ByteSpan bytes);
  // ---- backups (-b), --temp-dir, --delay-updates ----
  // What make_backup did (upstream's 0..3): failed; moved the item away;
  // linked or copied it (the item is still there); nothing to back up.
  enum class BackupResult { kFailed, kMoved, kKept, kNone };
  enum class BackupHow { kLinkFirst, kRename, kCopy };
  // Checks and opens the --backup-dir and --temp-dir at the start
  // (upstream do_recv); errors end the session.
  Status open_aux_dirs();
  // Backs up the non-directory `rel` (a path beneath the destination):
  // to rel+suffix next to it, or to DIR/rel+suffix. Thread-safe (the
  // generator and the receiver both make backups).
  BackupResult make_backup(const std::string& rel, BackupHow how);
  // The backup's directory and name for `rel`; `create` makes the missing
  // directories of a --backup-dir tree. `shown` is the name as printed.
  bool backup_location(const std::string& rel, bool create, fs::Fd* dir, std::string* name,
                       std::string* shown);
  // The fallback when no link or rename will do: a copy of the item (a
  // regular file's data, a symlink, a device or special file).
  BackupResult copy_to_backup(int src_dir, const std::string& src, const struct stat& st, int dir,
                              const std::string& name, const std::string& rel,
                              const std::string& shown);
  // Removes a non-directory as a deletion does: with `backup`, into its
  // backup instead (unless it is itself one). Returns false (errno set) on
  // failure; `what` names the step for the message.
  bool remove_file(int parent_fd, const std::string& base, const std::string& rel, bool backup,
                   const char** what);
  // ---- --compare-dest, --copy-dest, --link-dest (alt_dest.cc) ----
  // Opens the basis directories (relative ones against the destination
  // directory) and warns about missing ones (upstream check_alt_basis_dirs).
  void open_basis_dirs();
  // For a regular file (upstream try_dests_reg): *result -2 when handled
  // (linked or copied), -4 when left out by --compare-dest, -1 when nothing was
  // found, else the index of the directory whose file is the basis, its
  // stat in *found. With `exists` only an exact match counts.
  Status try_dests_reg(const flist::FileEntry& e, int32_t ndx, const std::string& rel, bool exists,
                       const struct stat& real_st, int* result, struct stat* found);
  // For a missing directory, symlink, device or special file (upstream
  // try_dests_non): -2 handled (reported; linked if it could be), -3 a
  // link failed (reported; the caller makes the entry silently), -1
  // nothing found, else the index of a near match (*found its stat).
  Status try_dests_non(const flist::FileEntry& e, int32_t ndx, const std::string& rel, int* result,
                       struct stat* found);
  // try_dests_non for generate_symlink and generate_special.
  Status alt_dest_made(const flist::FileEntry& e, int32_t ndx, const std::string& rel, bool exists,
                       uint32_t* iflags, bool* report, bool* done);
  bool alt_itemizing() const;
  bool alt_attrs_report() const;
  bool basis_dir_lstat(size_t j, const std::string& rel, struct stat* st) const;
  fs::Fd open_in_basis_dir(size_t j, const std::string& rel) const;
  bool alt_quick_check(const flist::FileEntry& e, size_t j, const std::string& rel,
                       const struct stat& st) const;
  bool alt_unchanged_attrs(const flist::FileEntry& e, const struct stat& st) const;
  Status alt_report(const flist::FileEntry& e, int32_t ndx, uint32_t iflags,
                    const std::string* xname);
  bool copy_from_basis_dir(const flist::FileEntry& e, size_t j, const std::string& rel);
  struct BasisDir {
    std::string shown;                   // as messages name it
    std::unique_ptr<fs::DestRoot> root;  // null: missing or not a directory
  };
  std::vector<BasisDir> basis_dirs_;
  std::string dest_dir_;                  // the directory dest_ was opened at, as given
  bool dest_missing_in_dry_run_ = false;  // a dry run into a destination not made
  // ---- the partial dir (--partial-dir, --delay-updates; partial_files.cc) ----
  // The partial dir for files in `parent_fd` (the files' own directory):
  // beneath it for a relative partial dir, the absolute one otherwise;
  // with `create` its last component is made (anything else in its place
  // removed) as upstream's handle_partial_dir does. Invalid if none.
  fs::Fd partial_dir_at(int parent_fd, bool create);
  // Removes the (relative) partial dir in `parent_fd` once it is empty.
  void remove_partial_dir(int parent_fd);
  // The partial file of `rel` if it is a regular file (upstream's
  // partialptr test in recv_generator); `dir` gets its directory.
  bool find_partial_file(const std::string& rel, fs::Fd* dir, struct stat* st);
  // The partial file's name as messages show it.
  std::string partial_name(const std::string& rel) const;
  // --remove-source-files: tells the sender `ndx` is in place
  // (MSG_SUCCESS; in a local copy with the destination's device and inode).
  Status send_success(int32_t ndx);
  // Moves (or, across file systems, copies) a finished temporary file to
  // dir/name with its attributes; false after printing an error.
  bool move_into_place(const flist::FileEntry& e, int tmp_dir, const std::string& tmp, int out_fd,
                       int dir, const std::string& name, const std::string& rel, bool set_time);
  // The receiver's --delay-updates renames at the start of phase 2.
  Status handle_delayed_updates();
  // ---- attributes ----
  uint32_t itemize_existing(const flist::FileEntry& e, const struct stat& st) const;
  // `cur`, when given, is the file's current status: what already matches
  // is left alone (upstream set_file_attrs changes only what differs).
  void set_attrs(int dirfd, const std::string& base, const flist::FileEntry& e, int fd, bool is_new,
                 bool set_time, const struct stat* cur = nullptr);
  // Whether set_attrs(..., is_new false, set_time true, &st) could change
  // anything on an existing entry itemized as `iflags` (false: the entry's
  // parent need not even be opened).
  bool attrs_differ(const flist::FileEntry& e, const struct stat& st, uint32_t iflags) const;
  // Fake super: the owner, permissions and device go to the
  // user.rsync.%stat xattr instead of chown and chmod (set_attrs' part).
  void set_fake_attrs(int dirfd, const std::string& base, const flist::FileEntry& e, int fd,
                      bool is_new);
  uint32_t map_uid(const flist::FileEntry& e) const;
  uint32_t map_gid(const flist::FileEntry& e) const;
  std::string local_name(const flist::FileEntry& e) const;
  void post(Event ev);
  // Wakes the generator for reports post() queued without waking it.
  void signal_events();
  void log_item(uint32_t iflags, const flist::FileEntry& e, const std::string& xname = {},
                int64_t data_read = 0, const std::string& sum_hex = {});
  // --list-only: prints list `li` instead of generating it (list_only.cc).
  Status list_entries(size_t li);
  std::string last_sum_hex_;  // receiver: the last file's checksum (for %C)

  Context& c_;
  // Whether we may change owners (geteuid is a system call, asked once;
  // a daemon has dropped its privileges before the session starts). With
  // fake super we act as root (upstream am_root -1), the owners going to
  // the user.rsync.%stat xattr.
  const bool am_root_ = ::geteuid() == 0 || c_.opts.fake_super;
  std::string dest_arg_;
  std::string refused_dir_;  // the last directory the module refused (upstream skip_dir)
  fs::DestRoot dest_;
  fs::DestRoot::ParentCache parent_cache_;  // receiver thread only
  bool dest_created_ = false;               // open_destination made the top directory
  // The generator prints items itself only where no echo will come back:
  // a client below protocol 29.
  bool gen_logs() const { return !c_.am_server && c_.protocol() < 29; }
  // Below 29 a server generator cannot send itemized non-transfers, so with
  // -v it sends the names of what it created or changed as MSG_INFO.
  bool server_names() const { return c_.am_server && c_.protocol() < 29 && c_.opts.verbose > 0; }
  bool single_file_ = false;  // the one entry is written under dest's own name
  std::string single_name_;
  flist::FlistDecoder decoder_;
  std::unique_ptr<delta::CompressedTokenReader> decompressor_;  // -z: one per session
  std::deque<RecvList> lists_;  // guarded by mu_ (elements stay put)
  // upstream's dir_flist: each list's directories in sorted order, copied
  // so that they outlive their list; guarded by mu_ (elements stay put).
  std::deque<flist::FileEntry> dirs_;
  // Incremental recursion frees a list once the generator has finished it
  // and its NDX_DONE came back (upstream flist_free), except where later
  // work looks entries up by index: -H leaders and --delay-updates.
  bool frees_lists() const;
  void free_list(size_t li);
  std::vector<bool> dir_got_list_;  // receiver thread only
  bool flist_eof_ = false;          // generator's view, from kFlistEof
  size_t lists_generated_ = 0;      // generator only
  size_t lists_finished_ = 0;       // generator only: NDX_DONE sent
  size_t lists_freed_ = 0;          // receiver only: NDX_DONE received
  // -H: the receiver's hard-link groups (upstream hlink.c). Members are in
  // sorted order; the group's leader is the member that was found up to
  // date or transferred, and the others are linked to it.
  struct HlinkGroup {
    std::vector<int32_t> members;  // ndx values, sorted order
    int32_t leader = -1;
    bool leader_done = false;
    std::vector<int32_t> waiting;  // members to link once the leader is done
  };
  void build_hlink_groups(const RecvList& l);
  void group_received_lists(size_t upto);
  size_t files_ahead();
  size_t hlink_lists_grouped_ = 0;  // generator only
  HlinkGroup* hlink_group(int32_t ndx);
  // Returns true when the entry was handled as a follower (linked, or
  // queued behind its leader).
  Status hlink_follower(const flist::FileEntry& e, int32_t ndx, bool exists, bool* handled);
  Status hlink_leader_done(int32_t ndx);
  void wait_for_leader(HlinkGroup& g, int32_t ndx);
  Status hlink_leader_lost(int32_t ndx);
  Status link_to_leader(int32_t ndx, int32_t leader);
  std::vector<HlinkGroup> hlink_groups_;                      // generator only
  std::map<int32_t, size_t> hlink_group_of_;                  // generator only
  std::map<std::pair<int64_t, int64_t>, size_t> hlink_keys_;  // generator only (inc. recursion)
  // generator only: directories made in their parent's list, by name (the
  // entry a sub-list names is dirs_' copy, not the parent list's own).
  std::set<std::string, std::less<>> dirs_created_;
  // generator only: (dev, ino) of the symlinks this transfer made, which -K
  // never follows (a peer cannot send a symlink and then write through it).
  std::set<std::pair<dev_t, ino_t>> symlinks_made_;
  mutable IdMapper ids_;         // the sender's id names, mapped once each
  std::set<int32_t> redo_done_;  // receiver only
  std::set<std::string> names_;  // every name in the list (for deletions)
  // Per-directory merge files read from the destination for deletions
  // (generator only; made on first use).
  std::unique_ptr<filter::DirFilters> dir_filters_;
  bool protected_from_delete(const std::string& rel, bool is_dir);
  int32_t io_error_ = 0;
  int skipped_deletes_ = 0;
  // --backup-dir: the deepest part that existed at the start, and the
  // components still to be made when the first backup needs them.
  fs::Fd backup_root_;
  std::vector<std::string> backup_missing_;
  std::string backup_shown_;  // "DIR/" as upstream prints it
  std::mutex backup_mu_;
  fs::Fd temp_dir_;               // --temp-dir
  std::vector<int32_t> delayed_;  // receiver only: --delay-updates files to rename

 public:
  int32_t io_error() const { return io_error_; }

 private:
  wire::NdxEncoder* gen_ndx_ = nullptr;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Event> events_;
  int unsignalled_ = 0;  // routine reports queued since the last wake-up (mu_)
  int dones_seen_ = 0;
  Status gen_status_;
};

}  // namespace crsync::session
