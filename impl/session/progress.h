// --progress and --info=progress2 (upstream progress.c): the client side
// that moves the file data (a push's or local copy's sender, a pull's
// receiver) shows, for each file, a line updated in place with '\r':
//
//   "\r%15s %3d%% %7.2f%s %s%s"  bytes, percent, rate + unit, time, tail
//
// The first update of a file is shown at once, later ones at most once a
// second; the rate and time are the recent rate and the time still to go.
// The last line of a file shows the rate over the whole file and the
// time it took, then " (xfr#N, to-chk=M/T)\n": N files transferred so
// far, M of the T files in the list still to check ("ir-chk" while
// incremental recursion has more lists to come). With progress2 the
// numbers are those of the whole transfer and no line ends in a newline:
// each one overwrites the last (padded to its length).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "checksum/sum_sizes.h"
#include "delta/matcher.h"
#include "session/item_log.h"
#include "session/output.h"

namespace crsync::session {

// The text of one line; `eol` is "  " for an update, else the
// " (xfr#...)" tail. `rate_kib` is in KiB/s; `secs` the time to go (or
// taken).
std::string progress_line(int64_t ofs, int64_t size, double rate_kib, double secs,
                          const std::string& eol, int human);
// The " (xfr#N, to-chk=M/T)" tail (without a newline).
std::string progress_tail(int64_t xferred, bool flist_eof, int64_t to_check, int64_t total);

class Progress {
 public:
  using Clock = std::chrono::steady_clock;
  Progress(Output& out, const TransferStats& stats, int level, int human)
      : out_(out), stats_(stats), level_(level), human_(human) {}

  // The list position of the file being transferred (upstream
  // set_current_file_index: counted over every list so far).
  void set_file_index(int64_t index) { index_ = index; }
  // Whether every file list has arrived (incremental recursion).
  void set_flist_eof(bool eof) { flist_eof_ = eof; }
  // `ofs` bytes of a file of `size` done (upstream show_progress).
  void show(int64_t ofs, int64_t size);
  // The file is done (upstream end_progress).
  void end(int64_t size);
  // An NDX_DONE: the current list's last index becomes the position and,
  // with progress2, the totals are shown.
  void at_list_done(int64_t last_index);

  // For tests: the clock.
  void set_now_for_test(Clock::time_point t) { fixed_now_ = t; }

 private:
  struct Sample {
    Clock::time_point time{};
    int64_t ofs = 0;
    bool set = false;
  };
  Clock::time_point now() const { return fixed_now_ ? *fixed_now_ : Clock::now(); }
  void print(int64_t ofs, int64_t size, Clock::time_point now, bool is_last);

  Output& out_;
  const TransferStats& stats_;
  int level_;
  int human_;
  int64_t index_ = 0;
  bool flist_eof_ = true;
  Sample start_;
  static constexpr int kHistory = 5;
  Sample history_[kHistory];
  int newest_ = 0, oldest_ = 0;
  size_t last_len_ = 0;  // progress2: the previous tail's length
  std::optional<Clock::time_point> fixed_now_;
};

// The sender's token stream with progress: after each token the position
// in the file (literal data and matched blocks so far) is shown, as
// upstream's match.c does after every literal run or match.
class ProgressTokenSink : public delta::TokenSink {
 public:
  ProgressTokenSink(delta::TokenSink& inner, Progress* p, const checksum::SumHead& h, int64_t size)
      : inner_(inner), progress_(p), head_(h), size_(size) {}
  void token(ByteSpan literal, int32_t block) override {
    inner_.token(literal, block);
    advance(literal.size(), block);
  }
  void token_with_match(ByteSpan literal, int32_t block, ByteSpan matched) override {
    inner_.token_with_match(literal, block, matched);
    advance(literal.size(), block);
  }

 private:
  void advance(size_t literal, int32_t block) {
    pos_ += static_cast<int64_t>(literal);
    if (block >= 0)
      pos_ += (block == head_.count - 1 && head_.remainder) ? head_.remainder : head_.blength;
    // (Upstream has no file map for an empty file, and so no update.)
    if (progress_ && size_ > 0) progress_->show(pos_, size_);
  }
  delta::TokenSink& inner_;
  Progress* progress_;
  checksum::SumHead head_;
  int64_t size_;
  int64_t pos_ = 0;
};

}  // namespace crsync::session
