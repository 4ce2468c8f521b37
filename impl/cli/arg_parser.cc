#include "cli/arg_parser.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <map>

#include "cli/client.h"
#include "session/partial_dir.h"

namespace crsync::cli {
namespace {

using session::DeleteMode;
using session::Options;

enum class Arg { kNone, kRequired };

struct OptDef {
  const char* long_name;  // without "--"
  char short_name;        // 0 if none
  Arg arg;
  std::function<Status(ParsedArgs&, const std::string&)> apply;
  bool negatable = false;  // --no-NAME resets it
  std::function<void(ParsedArgs&)> negate = nullptr;
};

Status bad(const std::string& msg) {
  return Status::Error(ExitCode::kSyntax, msg);
}

// --compare-dest, --copy-dest, --link-dest: one kind per run, at most
// kMaxBasisDirs (upstream parse_arguments' messages, exit 1).
Status add_basis_dir(ParsedArgs& p, session::AltDest kind, const std::string& dir) {
  session::Options& o = p.opts;
  if (o.alt_dest != session::AltDest::kNone && o.alt_dest != kind)
    return bad(std::string("ERROR: the ") + session::alt_dest_option(kind) +
               " option conflicts with the " + session::alt_dest_option(o.alt_dest) + " option");
  if (o.basis_dirs.size() >= session::Options::kMaxBasisDirs)
    return bad("ERROR: at most " + std::to_string(session::Options::kMaxBasisDirs) + " " +
               session::alt_dest_option(kind) + " args may be specified");
  o.alt_dest = kind;
  o.basis_dirs.push_back(dir);
  return Status::Ok();
}

bool parse_int(const std::string& s, long long* v) {
  if (s.empty()) return false;
  char* end = nullptr;
  *v = std::strtoll(s.c_str(), &end, 10);
  return end && *end == '\0';
}

// Sizes: digits with an optional K/M/G suffix (powers of 1024; "KB" 1000).
bool parse_size(const std::string& s, long long* v) {
  if (s.empty()) return false;
  char* end = nullptr;
  const double d = std::strtod(s.c_str(), &end);
  std::string suf(end);
  long long mult = 1;
  if (!suf.empty()) {
    const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(suf[0])));
    const bool si = suf.size() >= 2 && (suf[1] == 'b' || suf[1] == 'B');
    const long long base = si ? 1000 : 1024;
    if (c == 'b')
      mult = 1;
    else if (c == 'k')
      mult = base;
    else if (c == 'm')
      mult = base * base;
    else if (c == 'g')
      mult = base * base * base;
    else
      return false;
  }
  *v = static_cast<long long>(d * static_cast<double>(mult));
  return true;
}

// upstream's parse_size_arg with default suffix 'b' (--max-size,
// --min-size), with 3.5's overflow checks: digits with an optional fraction,
// a unit of b/k/m/g/t/p (either case), "b" after it for powers of 1000 or
// "ib" for 1024 (the default), then optionally "+1" or "-1". Returns the size,
// kSizeInvalid when malformed or kSizeTooLarge when negative or too large.
constexpr int64_t kSizeInvalid = -1;
constexpr int64_t kSizeTooLarge = -2;
int64_t parse_size_arg_bytes(const std::string& arg) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  size_t i = 0;
  const auto digits = [&] {
    while (i < arg.size() && std::isdigit(static_cast<unsigned char>(arg[i]))) ++i;
  };
  digits();
  if (i < arg.size() && arg[i] == '.') {
    ++i;
    digits();
  }
  int reps = 0;
  char unit = 'b';
  if (i < arg.size() && arg[i] != '+' && arg[i] != '-') unit = arg[i++];
  switch (std::tolower(static_cast<unsigned char>(unit))) {
    case 'b': reps = 0; break;
    case 'k': reps = 1; break;
    case 'm': reps = 2; break;
    case 'g': reps = 3; break;
    case 't': reps = 4; break;
    case 'p': reps = 5; break;
    default: return kSizeInvalid;
  }
  int64_t mult = 1024;
  if (i < arg.size() && (arg[i] == 'b' || arg[i] == 'B')) {
    mult = 1000;
    ++i;
  } else if (i + 1 < arg.size() && std::tolower(static_cast<unsigned char>(arg[i])) == 'i' &&
             std::tolower(static_cast<unsigned char>(arg[i + 1])) == 'b') {
    i += 2;
  } else if (i < arg.size() && arg[i] != '+' && arg[i] != '-') {
    return kSizeInvalid;
  }
  int64_t size = 1;
  while (reps--) {
    if (size > kMax / mult) return kSizeTooLarge;
    size *= mult;
  }
  errno = 0;
  const double d = std::strtod(arg.c_str(), nullptr);
  const double limit = static_cast<double>(kMax) / static_cast<double>(size);
  if (errno == ERANGE || d < 0 || d >= limit) return kSizeTooLarge;
  size = static_cast<int64_t>(d * static_cast<double>(size));
  if (i + 1 < arg.size() && (arg[i] == '+' || arg[i] == '-') && arg[i + 1] == '1' && i != 0) {
    if (arg[i] == '+') {
      if (size == kMax) return kSizeTooLarge;
      ++size;
    } else {
      --size;
    }
    i += 2;
  }
  if (i != arg.size()) return kSizeInvalid;
  if (size < 0) return kSizeTooLarge;
  return size;
}

Status bad_size(const char* name, const std::string& v, int64_t code) {
  return bad(std::string("--") + name + "=" + v +
             (code == kSizeTooLarge ? " is too large" : " is invalid"));
}

// --exclude-from / --include-from: one pattern a line; blank lines and
// lines starting with ';' or '#' are skipped; "-" reads standard input.
Status read_rule_file(ParsedArgs& p, const std::string& given, const char* prefix) {
  const std::string path = p.confine_path && given != "-" ? p.confine_path(given) : given;
  std::FILE* f = path == "-" ? stdin : std::fopen(path.c_str(), "r");
  if (!f) return Status::Error(ExitCode::kFileSelect, "failed to open " + path);
  char line[4096];
  while (std::fgets(line, sizeof line, f)) {
    std::string l(line);
    while (!l.empty() && (l.back() == '\n' || l.back() == '\r')) l.pop_back();
    if (l.empty() || l[0] == ';' || l[0] == '#') continue;
    p.opts.filter_rules.push_back(prefix + l);
  }
  if (f != stdin) std::fclose(f);
  return Status::Ok();
}

// --info / --debug: upstream reports an unknown word on a line of its own
// (no "rsync: " prefix).
Status output_words(ParsedArgs& p, bool debug, const std::string& v) {
  Status s = session::parse_output_words(p.opts.levels, debug, v, session::kPriorityUser,
                                         p.opts.am_server);
  if (!s.ok() && s.exit_status() == static_cast<int>(ExitCode::kSyntax)) p.bare_error = true;
  return s;
}

#define FLAG(field)                       \
  [](ParsedArgs& p, const std::string&) { \
    p.opts.field = true;                  \
    return Status::Ok();                  \
  }
#define NEG(field) [](ParsedArgs& p) { p.opts.field = false; }

const std::vector<OptDef>& table() {
  static const std::vector<OptDef> t = {
      {"verbose", 'v', Arg::kNone, [](ParsedArgs& p, const std::string&) { ++p.opts.verbose; return Status::Ok(); }, true, [](ParsedArgs& p) { p.opts.verbose = 0; }},
      {"quiet", 'q', Arg::kNone, FLAG(quiet)},
      {"archive", 'a', Arg::kNone, [](ParsedArgs& p, const std::string&) {
         Options& o = p.opts;
         o.recursive = o.preserve_links = o.preserve_perms = o.preserve_mtimes = true;
         o.preserve_gid = o.preserve_uid = o.preserve_devices = o.preserve_specials = true;
         if (p.recurse_level != 2) p.recurse_level = 1;
         return Status::Ok(); }},
      {"recursive", 'r', Arg::kNone, [](ParsedArgs& p, const std::string&) {
         p.opts.recursive = true; p.recurse_level = 2; return Status::Ok(); }, true,
       [](ParsedArgs& p) { p.opts.recursive = false; p.recurse_level = 0; }},
      {"dirs", 'd', Arg::kNone, [](ParsedArgs& p, const std::string&) {
         p.opts.dirs = true; p.xfer_dirs = 2; return Status::Ok(); }, true,
       [](ParsedArgs& p) { p.opts.dirs = false; p.xfer_dirs = 0; }},
      {"links", 'l', Arg::kNone, FLAG(preserve_links), true, NEG(preserve_links)},
      {"copy-links", 'L', Arg::kNone, FLAG(copy_links), true, NEG(copy_links)},
      {"copy-dirlinks", 'k', Arg::kNone, FLAG(copy_dirlinks), true, NEG(copy_dirlinks)},
      // -K needs symlinks in the destination followed, which the receiving
      // side never does yet (it resolves every name beneath the destination).
      {"keep-dirlinks", 'K', Arg::kNone, FLAG(keep_dirlinks), true, NEG(keep_dirlinks)},
      {"hard-links", 'H', Arg::kNone, FLAG(preserve_hard_links), true, NEG(preserve_hard_links)},
      {"perms", 'p', Arg::kNone, FLAG(preserve_perms), true, NEG(preserve_perms)},
      {"executability", 'E', Arg::kNone, FLAG(preserve_executability), true, NEG(preserve_executability)},
      {"owner", 'o', Arg::kNone, FLAG(preserve_uid), true, NEG(preserve_uid)},
      {"group", 'g', Arg::kNone, FLAG(preserve_gid), true, NEG(preserve_gid)},
      {"devices", 0, Arg::kNone, FLAG(preserve_devices), true, NEG(preserve_devices)},
      {"specials", 0, Arg::kNone, FLAG(preserve_specials), true, NEG(preserve_specials)},
      {"", 'D', Arg::kNone, [](ParsedArgs& p, const std::string&) {
         p.opts.preserve_devices = p.opts.preserve_specials = true; return Status::Ok(); }, true,
       [](ParsedArgs& p) { p.opts.preserve_devices = p.opts.preserve_specials = false; }},
      {"times", 't', Arg::kNone, FLAG(preserve_mtimes), true, NEG(preserve_mtimes)},
      {"atimes", 'U', Arg::kNone, FLAG(preserve_atimes), true, NEG(preserve_atimes)},
      {"omit-dir-times", 'O', Arg::kNone, FLAG(omit_dir_times), true, NEG(omit_dir_times)},
      {"omit-link-times", 'J', Arg::kNone, FLAG(omit_link_times), true, NEG(omit_link_times)},
      {"sparse", 'S', Arg::kNone, FLAG(sparse), true, NEG(sparse)},
      {"dry-run", 'n', Arg::kNone, FLAG(dry_run), true, NEG(dry_run)},
      {"whole-file", 'W', Arg::kNone, [](ParsedArgs& p, const std::string&) { p.opts.whole_file = 1; return Status::Ok(); }, true,
       [](ParsedArgs& p) { p.opts.whole_file = 0; }},
      {"one-file-system", 'x', Arg::kNone, FLAG(one_file_system), true, NEG(one_file_system)},
      {"block-size", 'B', Arg::kRequired, [](ParsedArgs& p, const std::string& v) {
         long long n = 0;
         if (!parse_size(v, &n) || n < 0 || n > (1 << 29)) return bad("--block-size=" + v + " is invalid");
         p.opts.block_size = static_cast<int32_t>(n); return Status::Ok(); }},
      {"checksum", 'c', Arg::kNone, FLAG(always_checksum), true, NEG(always_checksum)},
      {"update", 'u', Arg::kNone, FLAG(update_only)},
      {"ignore-times", 'I', Arg::kNone, FLAG(ignore_times)},
      {"size-only", 0, Arg::kNone, FLAG(size_only)},
      {"modify-window", '@', Arg::kRequired, [](ParsedArgs& p, const std::string& v) {
         long long n = 0;
         if (!parse_int(v, &n)) return bad("--modify-window=" + v + " is invalid");
         p.opts.modify_window = static_cast<int>(n); return Status::Ok(); }},
      {"compress", 'z', Arg::kNone, FLAG(compress), true, NEG(compress)},
      {"compress-choice", 0, Arg::kRequired, [](ParsedArgs& p, const std::string& v) {
         p.opts.compress_choice = v; p.opts.compress = v != "none"; return Status::Ok(); }},
      {"zc", 0, Arg::kRequired, [](ParsedArgs& p, const std::string& v) {
         p.opts.compress_choice = v; p.opts.compress = v != "none"; return Status::Ok(); }},
      {"old-compress", 0, Arg::kNone, [](ParsedArgs& p, const std::string&) {
         p.opts.compress_choice = "zlib"; p.opts.compress = true; return Status::Ok(); }},
      {"new-compress", 0, Arg::kNone, [](ParsedArgs& p, const std::string&) {
         p.opts.compress_choice = "zlibx"; p.opts.compress = true; return Status::Ok(); }},
      {"compress-level", 0, Arg::kRequired, [](ParsedArgs& p, const std::string& v) {
         long long n = 0;
         if (!parse_int(v, &n)) return bad("--compress-level=" + v + " is invalid");
         p.opts.compress_level = static_cast<int>(n); return Status::Ok(); }},
      {"skip-compress", 0, Arg::kRequired, [](ParsedArgs& p, const std::string& v) { p.opts.skip_compress = v; return Status::Ok(); }},
      {"checksum-choice", 0, Arg::kRequired, [](ParsedArgs& p, const std::string& v) {
         if (v != "auto" && v != "auto,auto") { p.opts.checksum_choice = v; } return Status::Ok(); }},
      {"cc", 0, Arg::kRequired, [](ParsedArgs& p, const std::string& v) {
         if (v != "auto" && v != "auto,auto") { p.opts.checksum_choice = v; } return Status::Ok(); }},
      {"checksum-seed", 0, Arg::kRequired, [](ParsedArgs& p, const std::string& v) {
         long long n = 0;
         if (!parse_int(v, &n)) return bad("--checksum-seed=" + v + " is invalid");
         p.opts.checksum_seed = static_cast<int32_t>(n); return Status::Ok(); }},
      {"inplace", 0, Arg::kNone, FLAG(inplace), true, NEG(inplace)},
      // A server counts --append: the client sends it twice for
      // --append-verify.
      {"append", 0, Arg::kNone, [](ParsedArgs& p, const std::string&) {
         p.opts.append = p.opts.am_server ? p.opts.append + 1 : 1; return Status::Ok(); }, true,
       [](ParsedArgs& p) { p.opts.append = 0; }},
      {"append-verify", 0, Arg::kNone, [](ParsedArgs& p, const std::string&) {
         p.opts.append = 2; return Status::Ok(); }},
      {"partial", 0, Arg::kNone, FLAG(partial), true, NEG(partial)},
      {"partial-dir", 0, Arg::kRequired, [](ParsedArgs& p, const std::string& v) {
         p.opts.partial_dir = v; return Status::Ok(); }},
      {"temp-dir", 'T', Arg::kRequired, [](ParsedArgs& p, const std::string& v) { p.opts.temp_dir = v; return Status::Ok(); }},
      {"compare-dest", 0, Arg::kRequired, [](ParsedArgs& p, const std::string& v) {
         return add_basis_dir(p, session::AltDest::kCompare, v); }},
      {"copy-dest", 0, Arg::kRequired, [](ParsedArgs& p, const std::string& v) {
         return add_basis_dir(p, session::AltDest::kCopy, v); }},
      {"link-dest", 0, Arg::kRequired, [](ParsedArgs& p, const std::string& v) {
         return add_basis_dir(p, session::AltDest::kLink, v); }},
      {"delay-updates", 0, Arg::kNone, FLAG(delay_updates), true, NEG(delay_updates)},
      {"backup", 'b', Arg::kNone, FLAG(backup), true, NEG(backup)},
      {"backup-dir", 0, Arg::kRequired, [](ParsedArgs& p, const std::string& v) { p.opts.backup_dir = v; return Status::Ok(); }},
      {"suffix", 0, Arg::kRequired, [](ParsedArgs& p, const std::string& v) { p.opts.suffix = v; return Status::Ok(); }},
      {"delete", 0, Arg::kNone, [](ParsedArgs& p, const std::string&) {
         p.opts.delete_requested = true; return Status::Ok(); }},
      {"del", 0, Arg::kNone, [](ParsedArgs& p, const std::string&) {
         p.opts.delete_mode = DeleteMode::kDuring; return Status::Ok(); }},
      {"delete-before", 0, Arg::kNone, [](ParsedArgs& p, const std::string&) {
         p.opts.delete_mode = DeleteMode::kBefore; return Status::Ok(); }},
      {"delete-during", 0, Arg::kNone, [](ParsedArgs& p, const std::string&) {
         p.opts.delete_mode = DeleteMode::kDuring; return Status::Ok(); }},
      {"delete-delay", 0, Arg::kNone, [](ParsedArgs& p, const std::string&) {
         p.opts.delete_mode = DeleteMode::kDelay; return Status::Ok(); }},
      {"delete-after", 0, Arg::kNone, [](ParsedArgs& p, const std::string&) {
         p.opts.delete_mode = DeleteMode::kAfter; return Status::Ok(); }},
      {"delete-excluded", 0, Arg::kNone, FLAG(delete_excluded)},
      {"max-delete", 0, Arg::kRequired, [](ParsedArgs& p, const std::string& v) {
         long long n = 0;
         if (!parse_int(v, &n)) return bad("--max-delete=" + v + " is invalid");
         p.opts.max_delete = n < 0 ? 0 : static_cast<int>(n);
         return Status::Ok(); }},
      {"max-size", 0, Arg::kRequired, [](ParsedArgs& p, const std::string& v) {
         const int64_t n = parse_size_arg_bytes(v);
         if (n < 0) return bad_size("max-size", v, n);
         p.opts.max_size = n; return Status::Ok(); }},
      {"min-size", 0, Arg::kRequired, [](ParsedArgs& p, const std::string& v) {
         const int64_t n = parse_size_arg_bytes(v);
         if (n < 0) return bad_size("min-size", v, n);
         p.opts.min_size = n; return Status::Ok(); }},
      {"existing", 0, Arg::kNone, FLAG(existing_only)},
      {"ignore-non-existing", 0, Arg::kNone, FLAG(existing_only)},
      {"ignore-existing", 0, Arg::kNone, FLAG(ignore_existing)},
      {"remove-source-files", 0, Arg::kNone, [](ParsedArgs& p, const std::string&) {
         p.opts.remove_source_files = 1; return Status::Ok(); }},
      {"remove-sent-files", 0, Arg::kNone, [](ParsedArgs& p, const std::string&) {
         p.opts.remove_source_files = 2; return Status::Ok(); }},
      {"filter", 'f', Arg::kRequired, [](ParsedArgs& p, const std::string& v) {
         p.opts.filter_rules.push_back(v); return Status::Ok(); }},
      // -F: per-directory .rsync-filter files; a second -F also keeps
      // those files out of the transfer.
      {"", 'F', Arg::kNone, [](ParsedArgs& p, const std::string&) {
         ++p.f_count;
         if (p.f_count <= 2) p.opts.filter_rules.push_back(p.f_count == 1 ? ": /.rsync-filter" : "- .rsync-filter");
         return Status::Ok(); }},
      {"exclude", 0, Arg::kRequired, [](ParsedArgs& p, const std::string& v) {
         p.opts.filter_rules.push_back("- " + v); return Status::Ok(); }},
      {"include", 0, Arg::kRequired, [](ParsedArgs& p, const std::string& v) {
         p.opts.filter_rules.push_back("+ " + v); return Status::Ok(); }},
      {"exclude-from", 0, Arg::kRequired, [](ParsedArgs& p, const std::string& v) {
         return read_rule_file(p, v, "- "); }},
      {"include-from", 0, Arg::kRequired, [](ParsedArgs& p, const std::string& v) {
         return read_rule_file(p, v, "+ "); }},
      {"files-from", 0, Arg::kRequired, [](ParsedArgs& p, const std::string& v) {
         p.opts.files_from = v; return Status::Ok(); }},
      {"from0", '0', Arg::kNone, FLAG(from0), true, NEG(from0)},
      {"relative", 'R', Arg::kNone, [](ParsedArgs& p, const std::string&) {
         p.opts.relative = true; p.relative_paths = 1; return Status::Ok(); }, true,
       [](ParsedArgs& p) { p.opts.relative = false; p.relative_paths = 0; }},
      {"implied-dirs", 0, Arg::kNone, FLAG(implied_dirs), true, NEG(implied_dirs)},
      {"i-d", 0, Arg::kNone, FLAG(implied_dirs), true, NEG(implied_dirs)},
      {"itemize-changes", 'i', Arg::kNone, [](ParsedArgs& p, const std::string&) { ++p.opts.itemize; return Status::Ok(); }, true,
       [](ParsedArgs& p) { p.opts.itemize = 0; }},
      // --log-format is the old name (and what a client sends a server).
      {"out-format", 0, Arg::kRequired, [](ParsedArgs& p, const std::string& v) { p.opts.out_format = v; return Status::Ok(); }},
      {"log-format", 0, Arg::kRequired, [](ParsedArgs& p, const std::string& v) { p.opts.out_format = v; return Status::Ok(); }},
      {"stats", 0, Arg::kNone, FLAG(stats)},
      {"progress", 0, Arg::kNone, [](ParsedArgs& p, const std::string&) { p.opts.progress = 1; return Status::Ok(); }, true,
       [](ParsedArgs& p) { p.opts.progress = 0; }},
      {"", 'P', Arg::kNone, [](ParsedArgs& p, const std::string&) { p.opts.progress = 1; p.opts.partial = true; return Status::Ok(); }},
      {"info", 0, Arg::kRequired, [](ParsedArgs& p, const std::string& v) {
         return output_words(p, false, v); }},
      {"debug", 0, Arg::kRequired, [](ParsedArgs& p, const std::string& v) {
         return output_words(p, true, v); }},
      {"human-readable", 'h', Arg::kNone, [](ParsedArgs& p, const std::string&) { ++p.opts.human_readable; return Status::Ok(); }, true,
       [](ParsedArgs& p) { p.opts.human_readable = 0; }},
      {"list-only", 0, Arg::kNone, [](ParsedArgs& p, const std::string&) { p.opts.list_only = 2; return Status::Ok(); }},
      {"numeric-ids", 0, Arg::kNone, FLAG(numeric_ids), true, NEG(numeric_ids)},
      {"fake-super", 0, Arg::kNone, FLAG(fake_super)},
      {"chmod", 0, Arg::kRequired, [](ParsedArgs& p, const std::string& v) {
         const mode_t mask = ::umask(0);
         ::umask(mask);
         return p.opts.chmod.add(v, mask); }},
      {"timeout", 0, Arg::kRequired, [](ParsedArgs& p, const std::string& v) {
         long long n = 0;
         if (!parse_int(v, &n) || n < 0) return bad("--timeout=" + v + " is invalid");
         p.opts.timeout = static_cast<int>(n); return Status::Ok(); }},
      // KiB/s by default (upstream parse_size_arg with 'K'), at least 512
      // bytes; 0 means no limit. The server is told the KiB figure.
      {"bwlimit", 0, Arg::kRequired, [](ParsedArgs& p, const std::string& v) {
         const bool has_unit = !v.empty() && std::isalpha(static_cast<unsigned char>(v.back()));
         long long n = 0;
         if (!parse_size(has_unit ? v : v + "K", &n) || n < 0)
           return bad("--bwlimit value is invalid: " + v);
         if (n && n < 512) return bad("--bwlimit value is too small: " + v);
         p.opts.bwlimit = static_cast<int>((n + 512) / 1024);
         return Status::Ok(); }, true, [](ParsedArgs& p) { p.opts.bwlimit = 0; }},
      {"protocol", 0, Arg::kRequired, [](ParsedArgs& p, const std::string& v) {
         long long n = 0;
         if (!parse_int(v, &n)) return bad("--protocol=" + v + " is invalid");
         p.opts.protocol = static_cast<int>(n); return Status::Ok(); }},
      {"mkpath", 0, Arg::kNone, FLAG(mkpath)},
      {"secluded-args", 's', Arg::kNone, FLAG(secluded_args), true, NEG(secluded_args)},
      {"protect-args", 0, Arg::kNone, FLAG(secluded_args), true, NEG(secluded_args)},
      {"inc-recursive", 0, Arg::kNone, FLAG(inc_recursive), true, NEG(inc_recursive)},
      {"i-r", 0, Arg::kNone, FLAG(inc_recursive), true, NEG(inc_recursive)},
      {"rsh", 'e', Arg::kRequired, [](ParsedArgs& p, const std::string& v) {
         if (p.opts.am_server) p.opts.client_caps = v; else p.opts.rsh = v; return Status::Ok(); }},
      {"rsync-path", 0, Arg::kRequired, [](ParsedArgs& p, const std::string& v) { p.opts.rsync_path = v; return Status::Ok(); }},
      {"server", 0, Arg::kNone, FLAG(am_server)},
      {"sender", 0, Arg::kNone, FLAG(am_sender)},
      {"daemon", 0, Arg::kNone, [](ParsedArgs& p, const std::string&) { p.daemon = true; return Status::Ok(); }},
      // ---- daemon client (issue 4) ----
      {"port", 0, Arg::kRequired, [](ParsedArgs& p, const std::string& v) {
         long long n = 0;
         if (!parse_int(v, &n) || n < 0 || n > 65535) return bad("--port=" + v + " is invalid");
         p.opts.daemon_port = static_cast<int>(n); return Status::Ok(); }},
      {"password-file", 0, Arg::kRequired, [](ParsedArgs& p, const std::string& v) { p.opts.password_file = v; return Status::Ok(); }},
      {"motd", 0, Arg::kNone, [](ParsedArgs& p, const std::string&) { p.opts.no_motd = false; return Status::Ok(); }},
      {"no-motd", 0, Arg::kNone, FLAG(no_motd)},
      {"contimeout", 0, Arg::kRequired, [](ParsedArgs& p, const std::string& v) {
         long long n = 0;
         if (!parse_int(v, &n) || n < 0) return bad("--contimeout=" + v + " is invalid");
         p.opts.contimeout = static_cast<int>(n); return Status::Ok(); }},
      {"address", 0, Arg::kRequired, [](ParsedArgs& p, const std::string& v) { p.opts.bind_address = v; return Status::Ok(); }},
      {"ipv4", '4', Arg::kNone, [](ParsedArgs& p, const std::string&) { p.opts.address_family = AF_INET; return Status::Ok(); }},
      {"ipv6", '6', Arg::kNone, [](ParsedArgs& p, const std::string&) { p.opts.address_family = AF_INET6; return Status::Ok(); }},
      {"sockopts", 0, Arg::kRequired, [](ParsedArgs& p, const std::string& v) { p.opts.sockopts = v; return Status::Ok(); }},
      {"version", 'V', Arg::kNone, [](ParsedArgs& p, const std::string&) { p.show_version = true; return Status::Ok(); }},
      {"help", 0, Arg::kNone, [](ParsedArgs& p, const std::string&) { p.show_help = true; return Status::Ok(); }},
  };
  return t;
}

const OptDef* find_long(const std::string& name) {
  for (const auto& d : table())
    if (d.long_name[0] && name == d.long_name) return &d;
  return nullptr;
}

const OptDef* find_short(char c) {
  for (const auto& d : table())
    if (d.short_name == c) return &d;
  return nullptr;
}

// Upstream's after-parsing rules for --append, --inplace and the partial
// dir (options.c): --append implies --inplace and refuses --whole-file; an
// in-place update has no partial dir (and no --partial); otherwise a
// client's --partial takes RSYNC_PARTIAL_DIR, and a partial dir (cleaned;
// "." means none) implies --partial.
Status apply_partial_options(session::Options& o) {
  if (o.append) {
    if (o.whole_file > 0) return bad("--append cannot be used with --whole-file");
    o.inplace = true;
  }
  if (o.inplace) {
    if (!o.partial_dir_used().empty())
      return bad(std::string("--") + (o.append ? "append" : "inplace") + " cannot be used with --" +
                 (o.delay_updates ? "delay-updates" : "partial-dir"));
    o.partial = false;
    return Status::Ok();
  }
  if (o.partial && o.partial_dir.empty() && !o.delay_updates && !o.am_server) {
    const char* env = std::getenv("RSYNC_PARTIAL_DIR");
    if (env && *env) o.partial_dir = env;
  }
  if (!o.partial_dir.empty()) {
    o.partial_dir = session::clean_path(o.partial_dir);
    if (o.partial_dir == ".") o.partial_dir.clear();
  }
  if (!o.partial_dir_used().empty()) o.partial = true;
  return Status::Ok();
}

// Upstream's after-parsing rules for --files-from and -R (options.c):
// --files-from turns off the recursion that came with -a (an explicit -r
// stays), implies -R unless --no-R was given, and its file must open; the
// implied-dirs setting means nothing without -R. (--files-from also implies
// -d; that is applied where the file list is built, so that the server
// argument "d" stays reserved for an explicit -d.)
Status apply_implications(ParsedArgs* p) {
  session::Options& o = p->opts;
  const bool ff = !o.files_from.empty();
  if (ff && p->recurse_level == 1) {
    o.recursive = false;
    p->recurse_level = 0;
  }
  CRSYNC_RETURN_IF_ERROR(apply_partial_options(o));
  // A rule a client adds of its own (upstream options.c): -b with
  // deletions and no --backup-dir protects the backups ("P *~"). The rule
  // for a relative partial dir (also --delay-updates') depends on the protocol: see
  // add_compat_rules in session_runner.cc.
  if (!o.am_server) {
    if (o.making_backups() && !o.backup_dir && o.deleting() && !o.delete_excluded)
      o.filter_rules.push_back("P *" + o.backup_suffix());
  }
  // A single argument lists it (upstream: fewer than two arguments on a
  // client); listing without -r lists a directory's top level (an implied
  // -d, also sent to the server).
  if (p->args.size() < 2 && !o.am_server) o.list_only |= 1;
  if (o.list_only && !o.recursive && p->xfer_dirs < 0) o.dirs = true;
  {
    session::OutputOptionsIn in;
    in.verbose = o.verbose;
    in.itemize = o.itemize;
    in.out_format = o.out_format;
    in.stats = o.stats;
    in.progress = o.progress != 0;
    in.am_server = o.am_server;
    o.item_format = session::derive_output_options(o.levels, in);
  }
  o.relative = p->relative_paths < 0 ? ff : p->relative_paths == 1;
  if (!o.relative) o.implied_dirs = false;
  if (!ff) return Status::Ok();
  if (p->args.size() > 2 || (!o.am_server && p->args.size() == 1))
    return bad("--files-from takes exactly one source argument and a destination");
  if (o.files_from == "-") return Status::Ok();  // stdin (a client) or the socket (a server)
  const std::string& f = o.files_from;
  const HostSpec h = parse_host_spec(f);
  if (h.remote) {
    // host:path, or :path for the transfer's host: the remote side reads it.
    if (o.am_server) return bad("The --files-from sent to the server cannot specify a host.");
    if (h.path == "-") return bad("Invalid --files-from remote filename");
    return Status::Ok();
  }
  std::FILE* fp = std::fopen(f.c_str(), "rb");
  if (!fp) return bad("failed to open files-from file " + f + ": " + std::strerror(errno));
  std::fclose(fp);
  return Status::Ok();
}

}  // namespace

Status parse_args(const std::vector<std::string>& argv, ParsedArgs* out) {
  bool only_positional = false;
  for (const auto& a : argv)
    if (a == "--server") out->opts.am_server = true;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (only_positional || a.size() < 2 || a[0] != '-') {
      out->args.push_back(a);
      continue;
    }
    if (a == "--") {
      only_positional = true;
      continue;
    }
    if (a[1] == '-') {
      std::string name = a.substr(2), value;
      bool has_value = false;
      const auto eq = name.find('=');
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        has_value = true;
      }
      const OptDef* d = find_long(name);
      if (!d && name.rfind("no-", 0) == 0) {
        const OptDef* n = find_long(name.substr(3));
        if (n && n->negatable && n->negate && !has_value) {
          n->negate(*out);
          continue;
        }
        if (name == "no-D") {
          out->opts.preserve_devices = out->opts.preserve_specials = false;
          continue;
        }
        // Upstream also spells some negations with the short letter
        // ("--no-r", "--no-R", "--no-d", ...).
        static const std::string kShortNegations = "vhrdpXtUOJoglHRxSWcz";
        if (name.size() == 4 && kShortNegations.find(name[3]) != std::string::npos && !has_value) {
          const OptDef* s = find_short(name[3]);
          if (s && s->negatable && s->negate) {
            s->negate(*out);
            continue;
          }
        }
      }
      if (!d) return bad(a + ": unknown option");
      if (d->arg == Arg::kRequired && !has_value) {
        if (i + 1 >= argv.size()) return bad("--" + name + ": missing argument");
        value = argv[++i];
      } else if (d->arg == Arg::kNone && has_value) {
        return bad("--" + name + ": option does not take an argument");
      }
      CRSYNC_RETURN_IF_ERROR(d->apply(*out, value));
      continue;
    }
    // Bundled short options.
    for (size_t j = 1; j < a.size(); ++j) {
      const char c = a[j];
      const OptDef* d = find_short(c);
      if (!d) return bad(std::string("-") + c + ": unknown option");
      if (d->arg == Arg::kRequired) {
        std::string value = a.substr(j + 1);
        if (value.empty()) {
          if (i + 1 >= argv.size()) return bad(std::string("-") + c + ": missing argument");
          value = argv[++i];
        }
        CRSYNC_RETURN_IF_ERROR(d->apply(*out, value));
        break;
      }
      CRSYNC_RETURN_IF_ERROR(d->apply(*out, ""));
    }
  }
  if (out->opts.am_server && !out->opts.compress_choice.empty() &&
      out->opts.compress_choice == "zlib")
    out->opts.compress = true;
  return apply_implications(out);
}

}  // namespace crsync::cli
