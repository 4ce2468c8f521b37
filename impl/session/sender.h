// The sender role (upstream flist.c send_file_list, sender.c send_files,
// main.c handle_stats / read_final_goodbye): sends the file list, then
// answers the generator's requests with token streams until the phases end.
// It reads and writes only through the session's MuxIn / MuxOut.
#pragma once

#include <deque>
#include <memory>
#include <vector>

#include "delta/compressed_token.h"
#include "flist/flist_encoder.h"
#include "flist/source_walker.h"
#include "session/context.h"
#include "wire/ndx_codec.h"

namespace crsync::session {

class Sender {
 public:
  // `walk` scans the sub-lists under incremental recursion.
  Sender(Context& c, std::vector<flist::SendEntry> entries, int32_t io_error,
         flist::WalkOptions walk)
      : c_(c), entries_(std::move(entries)), walk_options_(walk), io_error_(io_error) {}
  // Runs the role to its end (including the goodbye).
  Status run();
  // True when the file list was empty and a server sender stopped early.
  bool ended_early() const { return ended_early_; }

 private:
  // One file list as sent: the first, or (incremental recursion) the
  // sub-list of one directory. Entries are sorted once the list is sent.
  struct SendList {
    int32_t ndx_start = 0;
    int32_t parent_dir = -1;  // index into dirs_ of the directory it holds, or -1
    size_t count = 0;         // entries it had (they are freed once it is done)
    std::vector<flist::SendEntry> entries;
    std::vector<bool> sent;  // a transfer went out (so a second one is a redo)
  };
  // upstream's dir_flist: every directory sent, in sorted order per list,
  // linked as a tree that is walked depth-first to choose the next sub-list.
  // Each keeps its own copy of the directory's entry, which outlives the
  // list that carried it.
  struct DirNode {
    flist::SendEntry dir;
    int32_t parent = -1, first_child = -1, next_sibling = -1;
  };
  Status send_file_list();
  Status send_list(std::vector<flist::SendEntry> entries, int32_t io_error_before);
  void add_dirs_to_tree(int32_t parent, size_t list_index);
  // Incremental recursion: sends sub-lists, depth first, until at least
  // `at_least` files are in lists the generator has not finished, then
  // NDX_FLIST_EOF once the tree is done (upstream send_extra_file_list).
  Status send_extra_file_lists(size_t at_least);
  // The entry an index names: a file of a list, or (incremental recursion)
  // the directory a list holds, named by its ndx_start - 1.
  struct Found {
    flist::SendEntry* entry = nullptr;  // nullptr: no such index
    SendList* list = nullptr;
    size_t list_index = 0;  // its place in lists_
    size_t pos = 0;
    bool dir_slot = false;
  };
  Found find(int32_t ndx);
  Status serve_requests();
  Status send_one(const flist::SendEntry& se, int32_t ndx, uint16_t iflags, uint8_t fnamecmp_type,
                  const std::string& xname, bool has_type, bool has_xname, bool redo);
  Status write_stats();
  bool bridge_usable() const;
  void report_read_errors(const flist::SendEntry& se, int err);
  Status read_final_goodbye();
  Status read_ndx(int32_t* ndx);
  Status handle_del_stats();
  Status echo_attrs(int32_t ndx, uint16_t iflags, uint8_t type, const std::string& xname,
                    bool has_type, bool has_xname);
  void log_item(uint32_t iflags, const flist::SendEntry& se, const std::string& xname = {},
                int64_t written = 0, int64_t read = 0, const std::string& sum_hex = {});
  static std::string shown_path(const flist::SendEntry& se);

  Context& c_;
  std::vector<flist::SendEntry> entries_;  // the first list, in send order
  std::deque<SendList> lists_;
  size_t lists_freed_ = 0;  // lists the generator has finished (NDX_DONE each)
  size_t files_ahead_ = 0;  // files in lists after the current one (upstream
                            // file_total - file_old_total)
  bool flist_eof_ = false;  // NDX_FLIST_EOF sent
  std::deque<DirNode> dirs_;
  int32_t send_dir_ = -1;  // the next directory to send a sub-list for
  std::unique_ptr<flist::FlistEncoder> enc_;
  std::unique_ptr<delta::CompressedTokenWriter> compressor_;  // -z: one per session
  Bytes small_file_buf_;  // small source files are read into this (see SourceFile)
  flist::WalkOptions walk_options_;
  int32_t io_error_;
  bool ended_early_ = false;
  wire::NdxDecoder* in_ndx_ = nullptr;
  wire::NdxEncoder* out_ndx_ = nullptr;
};

}  // namespace crsync::session
