// Filter rules (upstream exclude.c): include/exclude patterns, the side,
// perishable and negation modifiers, the P/H/S/R shorthands and long names
// ("exclude", "hide", ...), list clearing ("!"), single-instance merge
// files ("merge FILE" / ". FILE", read where the rule is parsed) and
// per-directory merge files ("dir-merge FILE" / ": FILE", read in each
// directory as it is scanned; see dir_filters.h).
//
// Matching: first match wins, no match means included. A pattern with a
// '/' (other than a trailing one) or "**" is matched against the path from
// the transfer root, anchored by a leading '/', else at any directory
// boundary; other patterns against the last component. A trailing '/'
// matches directories only; "dir/***" matches the directory and everything
// below it.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace crsync::filter {

struct FilterRule {
  bool include = false;
  std::string pattern;  // without the trailing '/' and leading '/'
  bool dir_only = false;
  bool anchored = false;
  bool full_path = false;
  bool and_below = false;      // "/***" suffix: the directory and its contents
  bool sender_only = false;    // "s" modifier: hides files from the sender
  bool receiver_only = false;  // "r" modifier: protects files on the receiver
  // "p" modifier: the rule does not keep a directory that is being deleted
  // from going (crsync's deletions do not consult the rules inside such a
  // directory anyway). Upstream's client adds "-p .~tmp~/" for
  // --delay-updates.
  bool perishable = false;
  bool negate = false;  // "!" modifier: the rule matches what the pattern does not

  // A per-directory merge rule (":"): `pattern` names the file, `anchored`
  // asks for the parent-directory scan (a leading '/'). The modifiers say
  // how the file's lines are read.
  bool dir_merge = false;
  bool no_inherit = false;   // 'n': the rules do not apply in subdirectories
  bool word_split = false;   // 'w': rules split on whitespace, no comments
  bool cvs = false;          // 'C': read as a .cvsignore (implies n, w, -)
  bool no_prefixes = false;  // '+' / '-': bare patterns (includes if `include`)
};

enum class Side { kSender, kReceiver };

// Reads a single-instance merge file ("-" is standard input).
using MergeFileReader = std::function<Result<std::string>(const std::string& path)>;

// Parses one rule ("- *.o", "+ dir/", "exclude foo", ": .rules"). `container`
// is the per-directory merge rule whose file the line comes from, if any:
// its modifiers set the defaults. Syntax errors carry exit code 1 with
// upstream's message; forms crsync does not implement (the '/' and 'x'
// modifiers, "-C") carry exit code 4. A merge ('.') or clear ('!') rule is
// an error here: only parse_rules handles them.
Result<FilterRule> parse_rule(const std::string& text, const FilterRule* container = nullptr);

// Parses a rule list in order: "!" clears what came before, a merge rule
// is replaced by its file's rules (read with `reader`; without one a merge
// rule is refused), and a merge rule's 'e' modifier adds an exclude of the
// file's name in front of it.
Result<std::vector<FilterRule>> parse_rules(const std::vector<std::string>& texts,
                                            const MergeFileReader* reader = nullptr);

// The rules of a per-directory merge file read under `container` (a
// dir_merge rule). `*clears` says whether the file holds a "!" (it then
// holds only the rules after the last one, and hides the inherited rules).
// A merge or dir-merge rule inside such a file is refused (exit code 4).
Result<std::vector<FilterRule>> parse_dir_merge_file(const std::string& content,
                                                     const FilterRule& container, bool* clears);

// True when rule `r` matches `path` (relative to the transfer root).
bool rule_matches(const FilterRule& r, const std::string& path, bool is_dir);

// True when rule `r` is in force on `side`.
inline bool applies_on(const FilterRule& r, Side side) {
  return side == Side::kSender ? !r.receiver_only || r.sender_only
                               : !r.sender_only || r.receiver_only;
}

// True when `path` (relative to the transfer root) is excluded by a list
// without per-directory merge rules (those are skipped here; see
// dir_filters.h).
bool is_excluded(const std::vector<FilterRule>& rules, const std::string& path, bool is_dir,
                 Side side = Side::kSender);

// True when the list holds a per-directory merge rule.
bool has_dir_merge(const std::vector<FilterRule>& rules);

// The rule as it travels in the filter list ("- pattern", with the
// trailing '/' for directory-only rules). The 'p' modifier travels from
// protocol 30 only, as upstream's get_rule_prefix decides.
std::string wire_text(const FilterRule& r, int protocol = 32);

// The rule as sent to a peer of `protocol` (upstream get_rule_prefix with
// for_xfer): below 29 only "+ " prefixes travel and an exclude goes bare
// (unless its pattern itself starts like a prefix); nullopt when the rule
// cannot be said to such a peer ("filter rules are too modern for remote
// rsync").
std::optional<std::string> xfer_text(const FilterRule& r, int protocol, bool am_sender);

// Upstream send_rules' elision: a rule that only the local side uses is
// not sent (a sender-side rule when this side sends, a receiver-side rule
// when it receives).
inline bool sent_to_peer(const FilterRule& r, bool am_sender) {
  if (r.sender_only && !r.receiver_only) return !am_sender;
  if (r.receiver_only && !r.sender_only) return am_sender;
  return true;
}

}  // namespace crsync::filter
