// What every role of one session shares: the options, what the handshake
// negotiated, the connection, where messages go, and the statistics.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "filter/filter_rules.h"
#include "flist/flist_decoder.h"
#include "session/handshake.h"
#include "session/item_log.h"
#include "session/mux_io.h"
#include "session/options.h"
#include "session/output.h"
#include "session/progress.h"

namespace crsync::session {

struct Context {
  const Options& opts;
  Negotiated neg;
  bool am_server = false;
  bool am_sender = false;
  bool local = false;  // a local copy: both ends in this process
  MuxIn* in = nullptr;
  MuxOut* out = nullptr;
  Output* output = nullptr;
  TransferStats stats;
  std::vector<filter::FilterRule> rules;  // filter rules in force on this side
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  // The receiving side's hook for the sender's MSG_NO_SEND(ndx).
  std::function<void(int32_t)> on_no_send;
  // The sender's hook for the receiving side's MSG_SUCCESS
  // (--remove-source-files); an error ends the session.
  std::function<Status(ByteSpan)> on_success;
  // Cuts the connection (a role failed while another waits for input).
  std::function<void()> on_fatal;
  // --progress / --info=progress2 on the client side that moves the data
  // (null when off, and always on a server).
  std::shared_ptr<Progress> progress;
  // Called with the size of the first file list once it has arrived.
  std::function<void(size_t)> on_first_list;
  // A daemon's module: file errors name it, '"x" (in MODULE)' (upstream
  // full_fname).
  std::string module;

  int protocol() const { return neg.protocol; }
  int max_phase() const { return neg.protocol >= 29 ? 2 : 1; }
  // Whether the client prints item lines: -v, -i or --out-format give
  // them a format (upstream log_item: stdout_format on a client).
  bool logs_items() const { return !am_server && !opts.item_format.format.empty(); }
  ItemizeContext itemize_context() const {
    ItemizeContext c;
    c.sending_client = am_sender && !am_server && !local;
    c.preserve_mtimes = opts.preserve_mtimes;
    c.symlink_times = am_sender ? neg.symlink_times : true;
    return c;
  }
};

// The file-list options both sides derive from the options and the
// negotiation (one place, so sender and receiver cannot disagree).
flist::FlistOptions flist_options(const Context& c);

// The --compress-level as the compression codecs take it.
int compress_level(const Options& o);

// Counts an item the peer reported as new (--stats "Number of created files").
void count_created(TransferStats& s, uint32_t iflags, const flist::FileEntry& e);

// Significant itemize bits: everything but BASIS_TYPE_FOLLOWS,
// XNAME_FOLLOWS and LOCAL_CHANGE (upstream SIGNIFICANT_ITEM_FLAGS).
bool item_is_significant(uint32_t iflags);

// The client's rule for printing an item that was not transferred
// (upstream log.c maybe_log_item).
bool should_log_nontransfer(const Context& c, uint32_t iflags, const flist::FileEntry& e);

}  // namespace crsync::session
