#include "session/output_levels.h"

#include <strings.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "session/out_format.h"

namespace crsync::session {
namespace {

struct Word {
  const char* name;
  unsigned where;
};

constexpr unsigned kSnd = kWhereSender, kRec = kWhereReceiver, kCli = kWhereClient,
                   kSrv = kWhereServer;

// Upstream's tables, in their order.
constexpr std::array<Word, kInfoCount> kInfoWords = {{
    {"BACKUP", kRec},
    {"COPY", kRec},
    {"DEL", kRec},
    {"FLIST", kCli},
    {"MISC", kSnd | kRec},
    {"MOUNT", kSnd | kRec},
    {"NAME", kSnd | kRec},
    {"NONREG", kRec},
    {"PROGRESS", kCli},
    {"REMOVE", kSnd},
    {"SKIP", kRec},
    {"STATS", kCli | kSrv},
    {"SYMSAFE", kSnd | kRec},
}};

constexpr std::array<Word, kDebugCount> kDebugWords = {{
    {"ACL", kSnd | kRec},    {"BACKUP", kRec},
    {"BIND", kCli},          {"CHDIR", kCli | kSrv},
    {"CONNECT", kCli},       {"CMD", kCli},
    {"DEL", kRec},           {"DELTASUM", kSnd | kRec},
    {"DUP", kRec},           {"EXIT", kCli | kSrv},
    {"FILTER", kSnd | kRec}, {"FLIST", kSnd | kRec},
    {"FUZZY", kRec},         {"GENR", kRec},
    {"HASH", kSnd | kRec},   {"HLINK", kSnd | kRec},
    {"ICONV", kCli | kSrv},  {"IO", kCli | kSrv},
    {"NSTR", kCli | kSrv},   {"OWN", kRec},
    {"PROTO", kCli | kSrv},  {"RECV", kRec},
    {"SEND", kSnd},          {"TIME", kRec},
}};

// The words each -v level adds (upstream info_verbosity, debug_verbosity).
constexpr int kMaxVerbosity = 5;
constexpr const char* kInfoVerbosity[kMaxVerbosity + 1] = {"NONREG",
                                                           "COPY,DEL,FLIST,MISC,NAME,STATS,SYMSAFE",
                                                           "BACKUP,MISC2,MOUNT,NAME2,REMOVE,SKIP",
                                                           nullptr,
                                                           nullptr,
                                                           nullptr};
constexpr const char* kDebugVerbosity[kMaxVerbosity + 1] = {
    nullptr,
    nullptr,
    "BIND,CMD,CONNECT,DEL,DELTASUM,DUP,FILTER,FLIST,ICONV",
    "ACL,BACKUP,CONNECT2,DELTASUM2,DEL2,EXIT,FILTER2,FLIST2,FUZZY,GENR,OWN,RECV,SEND,TIME",
    "CMD2,DELTASUM3,DEL3,EXIT2,FLIST3,ICONV2,OWN2,PROTO,TIME2",
    "CHDIR,DELTASUM4,FLIST4,FUZZY2,HASH,HLINK",
};

constexpr int kMaxOutLevel = 4;

template <size_t N>
Status apply_words(const std::array<Word, N>& words, int16_t* levels, uint8_t* prio,
                   const char* option, std::string_view value, uint8_t priority, bool am_server) {
  size_t pos = 0;
  while (pos <= value.size()) {
    size_t comma = value.find(',', pos);
    if (comma == std::string_view::npos) comma = value.size();
    const std::string_view piece = value.substr(pos, comma - pos);
    pos = comma + 1;
    size_t len = piece.size();
    if (len == 0) continue;
    if (!std::isdigit(static_cast<unsigned char>(piece[0])))
      while (len && std::isdigit(static_cast<unsigned char>(piece[len - 1]))) --len;
    int lev = 1;
    if (len < piece.size()) {
      const std::string digits(piece.substr(len));
      lev = std::atoi(digits.c_str());
      if (lev > kMaxOutLevel || lev < 0) lev = kMaxOutLevel;
    }
    const std::string_view name = piece.substr(0, len);
    if (len == 4 && strncasecmp(name.data(), "help", 4) == 0)
      return Status::Error(ExitCode::kUnsupported,
                           std::string(option) + "=help is not supported by this build of crsync");
    bool all = false;
    if (len == 4 && strncasecmp(name.data(), "none", 4) == 0) {
      all = true;
      lev = 0;
    } else if (len == 3 && strncasecmp(name.data(), "all", 3) == 0) {
      all = true;
    }
    bool found = false;
    for (size_t j = 0; j < N; ++j) {
      const std::string_view wn = words[j].name;
      if (!all && !(wn.size() == len && strncasecmp(name.data(), wn.data(), len) == 0)) continue;
      if (priority >= prio[j]) {
        prio[j] = priority;
        levels[j] = static_cast<int16_t>(lev);
      }
      found = true;
      if (!all) break;
    }
    if (!all && !found && !am_server)
      return Status::Error(ExitCode::kSyntax, std::string("Unknown ") + option + " item: \"" +
                                                  std::string(name) + "\"");
  }
  return Status::Ok();
}

template <size_t N>
std::string make_option(const std::array<Word, N>& words, const int16_t* levels,
                        const uint8_t* prio, const char* prefix, unsigned where) {
  int counts[kMaxOutLevel + 1] = {};
  int skipped = 0, max = 0, lev = 0;
  bool any = false;
  for (size_t j = 0; j < N; ++j) {
    if (!(words[j].where & where)) continue;
    if (prio[j] == kPriorityDefault) {
      ++skipped;
      continue;
    }
    any = true;
    const int l = levels[j] < 0 ? 0 : levels[j] > kMaxOutLevel ? kMaxOutLevel : levels[j];
    if (++counts[l] > max) {
      lev = l;
      max = counts[l];
    }
  }
  if (!any) return {};
  std::string out;
  if (skipped || max < 5) {
    lev = -1;
  } else {
    out = prefix;
    out += lev == 0 ? "NONE" : lev == 1 ? "ALL" : "ALL" + std::to_string(lev);
  }
  for (size_t j = 0; j < N; ++j) {
    if (prio[j] == kPriorityDefault || levels[j] == lev || !(words[j].where & where)) continue;
    out += out.empty() ? prefix : ",";
    out += words[j].name;
    if (levels[j] != 1) out += std::to_string(levels[j]);
  }
  return out;
}

}  // namespace

Status parse_output_words(OutputLevels& lv, bool debug, std::string_view value, uint8_t priority,
                          bool am_server) {
  if (debug)
    return apply_words(kDebugWords, lv.debug.data(), lv.debug_priority.data(), "--debug", value,
                       priority, am_server);
  return apply_words(kInfoWords, lv.info.data(), lv.info_priority.data(), "--info", value, priority,
                     am_server);
}

void set_output_verbosity(OutputLevels& lv, int verbose, uint8_t priority) {
  if (verbose > kMaxVerbosity) verbose = kMaxVerbosity;
  for (int j = 0; j <= verbose; ++j) {
    if (kInfoVerbosity[j]) (void)parse_output_words(lv, false, kInfoVerbosity[j], priority, true);
    if (kDebugVerbosity[j]) (void)parse_output_words(lv, true, kDebugVerbosity[j], priority, true);
  }
}

void limit_output_verbosity(OutputLevels& lv, int level) {
  if (level > kMaxVerbosity) return;
  OutputLevels limit;
  set_output_verbosity(limit, level, kPriorityUser);
  for (size_t i = 0; i < kInfoCount; ++i) lv.info[i] = std::min(lv.info[i], limit.info[i]);
  for (size_t i = 0; i < kDebugCount; ++i) lv.debug[i] = std::min(lv.debug[i], limit.debug[i]);
}

std::string make_output_option(const OutputLevels& lv, bool debug, unsigned where) {
  if (debug)
    return make_option(kDebugWords, lv.debug.data(), lv.debug_priority.data(), "--debug=", where);
  return make_option(kInfoWords, lv.info.data(), lv.info_priority.data(), "--info=", where);
}

ItemFormat derive_output_options(OutputLevels& lv, const OutputOptionsIn& in) {
  set_output_verbosity(lv, in.verbose, kPriorityDefault);
  if (in.stats)
    (void)parse_output_words(lv, false, in.verbose > 1 ? "stats3" : "stats2", kPriorityDefault,
                             true);
  ItemFormat f;
  if (!in.out_format.empty()) {
    f.format = in.out_format;
    if (in.am_server && format_has(f.format, 'I'))
      f.has_i = 2;
    else if (format_has(f.format, 'i'))
      f.has_i = in.itemize | 1;
    if (!format_has(f.format, 'b') && !format_has(f.format, 'c') && !format_has(f.format, 'C'))
      f.log_before_transfer = !in.am_server;
  } else if (in.itemize) {
    f.format = "%i %n%L";
    f.has_i = in.itemize;
    f.log_before_transfer = !in.am_server;
  }
  if (in.progress && !in.am_server) {
    if (!f.log_before_transfer && lv.get(Info::kName) == 0)
      (void)parse_output_words(lv, false, "name", kPriorityDefault, true);
    (void)parse_output_words(lv, false, "FLIST2,PROGRESS", kPriorityDefault, true);
  }
  if (lv.at_least(Info::kName, 1) && f.format.empty()) {
    f.format = "%n%L";
    f.log_before_transfer = !in.am_server;
  }
  f.has_o_or_i = f.has_i || format_has(f.format, 'o');
  return f;
}

}  // namespace crsync::session
