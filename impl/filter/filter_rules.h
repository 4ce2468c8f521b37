// Include/exclude filter rules (upstream exclude.c) in the subset crsync
// supports: "- PATTERN" / "+ PATTERN" with the s, r and p modifiers, the
// P/H/S/R shorthands (and the long "exclude"/"include"
// forms, and --exclude/--include), first match wins, no match means
// included. A pattern with a '/' (other than a trailing one) or "**" is
// matched against the path from the transfer root, anchored by a leading
// '/', else at any directory boundary; other patterns against the last
// component. A trailing '/' matches directories only; "dir/***" matches
// the directory and everything below it.
#pragma once

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
};

enum class Side { kSender, kReceiver };

// Parses one rule ("- *.o", "+ dir/", "exclude foo"). Unsupported forms
// (merge files, modifiers, "!") are an error with exit code 4.
Result<FilterRule> parse_rule(const std::string& text);
Result<std::vector<FilterRule>> parse_rules(const std::vector<std::string>& texts);

// True when `path` (relative to the transfer root) is excluded.
bool is_excluded(const std::vector<FilterRule>& rules, const std::string& path, bool is_dir,
                 Side side = Side::kSender);

// The rule as it travels in the filter list ("- pattern", with the
// trailing '/' for directory-only rules). The 'p' modifier travels from
// protocol 30 only, as upstream's get_rule_prefix decides.
std::string wire_text(const FilterRule& r, int protocol = 32);

// Upstream send_rules' elision: a rule that only the local side uses is
// not sent (a sender-side rule when this side sends, a receiver-side rule
// when it receives).
inline bool sent_to_peer(const FilterRule& r, bool am_sender) {
  if (r.sender_only && !r.receiver_only) return !am_sender;
  if (r.receiver_only && !r.sender_only) return am_sender;
  return true;
}

}  // namespace crsync::filter
