// The --info and --debug output levels (upstream options.c info_words,
// debug_words, parse_output_words, set_output_verbosity,
// make_output_option) and what a client's output options imply: the format
// of its item lines (-v's "%n%L", -i's "%i %n%L", --out-format) and when
// they are printed.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace crsync::session {

// The --info words, in upstream's order (their index is the level slot).
enum class Info : uint8_t {
  kBackup,
  kCopy,
  kDel,
  kFlist,
  kMisc,
  kMount,
  kName,
  kNonreg,
  kProgress,
  kRemove,
  kSkip,
  kStats,
  kSymsafe,
};
inline constexpr size_t kInfoCount = 13;
inline constexpr size_t kDebugCount = 24;

// Where a word matters (upstream W_CLI, W_SRV, W_SND, W_REC); a client
// forwards the words given for the server's side.
inline constexpr unsigned kWhereClient = 1u << 0;
inline constexpr unsigned kWhereServer = 1u << 1;
inline constexpr unsigned kWhereSender = 1u << 2;
inline constexpr unsigned kWhereReceiver = 1u << 3;

// Who set a level: implied (-v, --stats, --progress) or the user (--info,
// --debug). An implied value never overrides the user's.
inline constexpr uint8_t kPriorityDefault = 0;
inline constexpr uint8_t kPriorityUser = 2;

struct OutputLevels {
  std::array<int16_t, kInfoCount> info{};
  std::array<uint8_t, kInfoCount> info_priority{};
  std::array<int16_t, kDebugCount> debug{};
  std::array<uint8_t, kDebugCount> debug_priority{};

  int get(Info w) const { return info[static_cast<size_t>(w)]; }
  bool at_least(Info w, int level) const { return get(w) >= level; }
};

// Applies one --info (debug = false) or --debug value: comma-separated
// words with an optional level digit ("name2", "progress0"), "all"/"allN"
// and "none". A client refuses an unknown word (exit 1, upstream's text);
// a server ignores it. "help" is reported as not supported.
Status parse_output_words(OutputLevels& lv, bool debug, std::string_view value, uint8_t priority,
                          bool am_server);

// -v's implied levels (each level adds upstream's words for it).
void set_output_verbosity(OutputLevels& lv, int verbose, uint8_t priority);

// A daemon module's "max verbosity" (upstream limit_output_verbosity): no
// level above what -v given `level` times implies; a level above the
// highest -v count limits nothing.
void limit_output_verbosity(OutputLevels& lv, int level);

// The "--info=..." / "--debug=..." argument that carries the user's words
// for `where` to the server, or "" when there are none.
std::string make_output_option(const OutputLevels& lv, bool debug, unsigned where);

// What a side's output options come to (upstream parse_arguments, after
// the options are read).
struct OutputOptionsIn {
  int verbose = 0;
  int itemize = 0;         // -i count
  std::string out_format;  // --out-format / --log-format, "" if none
  bool stats = false;
  bool progress = false;  // --progress / -P (not --info=progress2)
  bool am_server = false;
};
struct ItemFormat {
  std::string format;                // upstream stdout_format ("" = no item lines)
  int has_i = 0;                     // stdout_format_has_i (2: also unchanged items)
  bool has_o_or_i = false;           // stdout_format_has_o_or_i (deletions use the format)
  bool log_before_transfer = false;  // the line comes before the file's data
};
// Fills in the implied levels and returns the item format.
ItemFormat derive_output_options(OutputLevels& lv, const OutputOptionsIn& in);

}  // namespace crsync::session
