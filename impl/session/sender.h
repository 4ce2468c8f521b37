// The sender role (upstream flist.c send_file_list, sender.c send_files,
// main.c handle_stats / read_final_goodbye): sends the file list, then
// answers the generator's requests with token streams until the phases end.
// It reads and writes only through the session's MuxIn / MuxOut.
#pragma once

#include <vector>

#include "flist/source_walker.h"
#include "session/context.h"
#include "wire/ndx_codec.h"

namespace crsync::session {

class Sender {
 public:
  Sender(Context& c, std::vector<flist::SendEntry> entries, int32_t io_error)
      : c_(c), entries_(std::move(entries)), io_error_(io_error) {}
  // Runs the role to its end (including the goodbye).
  Status run();
  // True when the file list was empty and a server sender stopped early.
  bool ended_early() const { return ended_early_; }

 private:
  Status send_file_list();
  Status serve_requests();
  Status send_one(int32_t ndx, uint16_t iflags, uint8_t fnamecmp_type, const std::string& xname,
                  bool has_type, bool has_xname, bool redo);
  Status write_stats();
  Status read_final_goodbye();
  Status read_ndx(int32_t* ndx);
  Status handle_del_stats();
  Status echo_attrs(int32_t ndx, uint16_t iflags, uint8_t type, const std::string& xname,
                    bool has_type, bool has_xname);
  void log_item(uint32_t iflags, const flist::FileEntry& e);

  Context& c_;
  std::vector<flist::SendEntry> entries_;  // sorted after the list is sent
  std::vector<bool> sent_;
  int32_t io_error_;
  int32_t ndx_start_ = 0;
  bool ended_early_ = false;
  wire::NdxDecoder* in_ndx_ = nullptr;
  wire::NdxEncoder* out_ndx_ = nullptr;
};

}  // namespace crsync::session
