#include "filter/filter_rules.h"

#include <cctype>
#include <optional>
#include <string_view>

#include "filter/wildmatch.h"

namespace crsync::filter {
namespace {

Status syntax(const std::string& msg) {
  return Status::Error(ExitCode::kSyntax, msg);
}

Status unsupported(const std::string& text) {
  return Status::Error(ExitCode::kUnsupported, "filter rule not supported by crsync yet: " + text);
}

bool is_space(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}

// One rule read from a rule string, with what only a list parser acts on.
struct Token {
  FilterRule rule;
  bool merge = false;         // '.': a single-instance merge file
  bool clear = false;         // '!': clears the list so far
  bool exclude_self = false;  // 'e' on a merge rule
};

// The long names and the one-letter kind each stands for (upstream
// rule_strcmp: the word ends at whitespace, '_', ',' or the end).
char long_name_kind(std::string_view s, size_t* pos) {
  static constexpr struct {
    const char* word;
    char kind;
  } kNames[] = {{"clear", '!'},   {"dir-merge", ':'}, {"exclude", '-'},
                {"hide", 'H'},    {"include", '+'},   {"merge", '.'},
                {"protect", 'P'}, {"risk", 'R'},      {"show", 'S'}};
  for (const auto& n : kNames) {
    const std::string_view w = n.word;
    if (s.substr(*pos, w.size()) != w) continue;
    const size_t end = *pos + w.size();
    if (end == s.size() || is_space(s[end]) || s[end] == '_' || s[end] == ',') {
      *pos = end;  // at the separator (or ',' before the modifiers)
      return n.kind;
    }
    return 0;
  }
  return 0;
}

// Reads the next rule of `s` from *pos (upstream parse_rule_tok). With a
// word-splitting container a rule ends at whitespace; otherwise `s` is one
// rule. nullopt at the end of the input.
Result<std::optional<Token>> next_token(std::string_view s, size_t* pos,
                                        const FilterRule* container) {
  const bool split = container && container->word_split;
  if (split)
    while (*pos < s.size() && is_space(s[*pos])) ++*pos;
  if (*pos >= s.size()) return std::optional<Token>{};
  const std::string whole(s.substr(*pos));
  Token t;
  FilterRule& r = t.rule;
  if (container) {
    r.include = container->include;
    r.negate = container->negate;
    r.perishable = container->perishable;
  }
  size_t p = *pos;
  bool tentative_clear = false;
  if (container && container->no_prefixes) {
    if (s[p] == '!' && container->cvs) tentative_clear = true;
  } else {
    char kind = 0;
    bool side_from_kind = false;
    if (std::islower(static_cast<unsigned char>(s[p]))) {
      kind = long_name_kind(s, &p);
      if (kind && p < s.size() && s[p] == ',') ++p;
    } else {
      kind = s[p];
      ++p;
      if (p < s.size() && s[p] == ',') ++p;
    }
    switch (kind) {
      case ':': r.dir_merge = true; break;
      case '.': t.merge = true; break;
      case '+': r.include = true; break;
      case '-': r.include = false; break;
      case 'S': r.include = true; [[fallthrough]];
      case 'H': r.sender_only = side_from_kind = true; break;
      case 'R': r.include = true; [[fallthrough]];
      case 'P': r.receiver_only = side_from_kind = true; break;
      case '!': tentative_clear = true; break;
      default: return syntax("Unknown filter rule: `" + whole + "'");
    }
    const bool is_merge = r.dir_merge || t.merge;
    for (; kind != '!' && p < s.size() && s[p] != ' ' && s[p] != '_'; ++p) {
      if (split && is_space(s[p])) break;
      const char m = s[p];
      const auto invalid = [&] {
        return syntax(std::string("invalid modifier '") + m + "' at position " +
                      std::to_string(p - *pos) + " in filter rule: " + whole);
      };
      switch (m) {
        case '-':
        case '+':
          if (!is_merge || r.no_prefixes) return invalid();
          r.no_prefixes = true;
          r.include = m == '+';
          break;
        case '!':
          if (is_merge) return invalid();
          r.negate = true;
          break;
        case 'C':
          if (r.no_prefixes || side_from_kind) return invalid();
          r.no_prefixes = r.word_split = r.no_inherit = r.cvs = true;
          break;
        case 'e':
          if (!is_merge) return invalid();
          t.exclude_self = true;
          break;
        case 'n':
          if (!is_merge) return invalid();
          r.no_inherit = true;
          break;
        case 'w':
          if (!is_merge) return invalid();
          r.word_split = true;
          break;
        case 'p': r.perishable = true; break;
        case 'r':
          if (side_from_kind) return invalid();
          r.receiver_only = true;
          break;
        case 's':
          if (side_from_kind) return invalid();
          r.sender_only = true;
          break;
        case '/':  // absolute-path matching
        case 'x':  // xattr names
          return unsupported(whole);
        default: return invalid();
      }
    }
    if (p < s.size() && (s[p] == ' ' || s[p] == '_')) ++p;  // the separator
    if (r.cvs && !is_merge) return unsupported(whole);      // "-C": the CVS default excludes
  }
  if (container && (container->sender_only || container->receiver_only)) {
    if (r.sender_only || r.receiver_only)
      return syntax("specified-side merge file contains specified-side filter: " + whole);
    r.sender_only = container->sender_only;
    r.receiver_only = container->receiver_only;
  }
  size_t len = s.size() - p;
  if (split) {
    len = 0;
    while (p + len < s.size() && !is_space(s[p + len])) ++len;
  }
  std::string pat(s.substr(p, len));
  *pos = p + len;
  if (tentative_clear) {
    const bool bare = container && container->no_prefixes;
    if (!bare && len) return syntax("'!' rule has trailing characters: " + whole);
    if (bare && len > 1) {
      tentative_clear = false;  // a pattern that starts with '!'
    } else {
      t.clear = true;
      return std::optional<Token>{std::move(t)};
    }
  }
  if (pat.empty()) {
    if (!r.cvs) return syntax("unexpected end of filter rule: " + whole);
    pat = ".cvsignore";
  }
  if (t.merge || r.dir_merge) {
    if (pat[0] == '/') {
      r.anchored = true;  // a per-directory file also looked for above the root
      pat.erase(0, 1);
    }
    if (pat.empty()) return syntax("unexpected end of filter rule: " + whole);
    r.pattern = pat;
    return std::optional<Token>{std::move(t)};
  }
  if (pat.size() > 4 && pat.compare(pat.size() - 4, 4, "/***") == 0) {
    r.and_below = true;
    pat.resize(pat.size() - 4);
  } else if (pat.back() == '/' && pat.size() > 1) {
    r.dir_only = true;
    pat.pop_back();
  }
  if (!pat.empty() && pat[0] == '/') {
    r.anchored = true;
    pat.erase(0, 1);
  }
  r.full_path = r.anchored || pat.find('/') != std::string::npos ||
                pat.find("**") != std::string::npos || r.and_below;
  r.pattern = pat;
  return std::optional<Token>{std::move(t)};
}

// The basename of a merge file's name, excluded by the 'e' modifier.
FilterRule exclude_of(const FilterRule& merge) {
  FilterRule x;
  const auto slash = merge.pattern.rfind('/');
  x.pattern = slash == std::string::npos ? merge.pattern : merge.pattern.substr(slash + 1);
  return x;
}

// Splits a merge file into rule strings: lines without comments, or
// (word-splitting) the whole text for next_token to cut up.
std::vector<std::string> file_chunks(const std::string& content, bool split) {
  if (split) return {content};
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= content.size()) {
    size_t nl = content.find('\n', start);
    if (nl == std::string::npos) nl = content.size();
    std::string l = content.substr(start, nl - start);
    start = nl + 1;
    while (!l.empty() && (l.back() == '\r' || l.back() == '\n')) l.pop_back();
    if (l.empty() || l[0] == '#' || l[0] == ';') continue;
    lines.push_back(std::move(l));
  }
  return lines;
}

Status add_text(const std::string& text, const FilterRule* container, const MergeFileReader* reader,
                int depth, std::vector<FilterRule>* out) {
  size_t pos = 0;
  for (;;) {
    CRSYNC_ASSIGN_OR_RETURN(std::optional<Token> t, next_token(text, &pos, container));
    if (!t) return Status::Ok();
    if (t->clear) {
      out->clear();
    } else {
      if (t->exclude_self) out->push_back(exclude_of(t->rule));
      if (t->merge) {
        if (!reader || depth > 8) return unsupported(text);
        const std::string path = (t->rule.anchored ? "/" : "") + t->rule.pattern;
        CRSYNC_ASSIGN_OR_RETURN(std::string content, (*reader)(path));
        for (const auto& chunk : file_chunks(content, t->rule.word_split))
          CRSYNC_RETURN_IF_ERROR(add_text(chunk, &t->rule, reader, depth + 1, out));
      } else {
        out->push_back(std::move(t->rule));
      }
    }
    if (!container || !container->word_split) return Status::Ok();
  }
}

bool pattern_matches(const FilterRule& r, const std::string& path, bool is_dir) {
  const auto try_at = [&](std::string_view candidate) {
    if (r.and_below) {
      if (wildmatch(r.pattern, candidate)) return true;
      // Anything below a matching directory.
      for (size_t i = 0; i < candidate.size(); ++i)
        if (candidate[i] == '/' && wildmatch(r.pattern, candidate.substr(0, i))) return true;
      return false;
    }
    return wildmatch(r.pattern, candidate);
  };
  if (r.dir_only && !is_dir) return false;
  if (!r.full_path) {
    const auto slash = path.rfind('/');
    return try_at(slash == std::string::npos ? std::string_view(path)
                                             : std::string_view(path).substr(slash + 1));
  }
  if (r.anchored) return try_at(path);
  if (try_at(path)) return true;
  for (size_t i = 0; i < path.size(); ++i)
    if (path[i] == '/' && try_at(std::string_view(path).substr(i + 1))) return true;
  return false;
}

}  // namespace

Result<FilterRule> parse_rule(const std::string& text, const FilterRule* container) {
  size_t pos = 0;
  CRSYNC_ASSIGN_OR_RETURN(std::optional<Token> t, next_token(text, &pos, container));
  if (!t) return syntax("unexpected end of filter rule: " + text);
  if (t->merge || t->clear || t->exclude_self) return unsupported(text);
  return std::move(t->rule);
}

Result<std::vector<FilterRule>> parse_rules(const std::vector<std::string>& texts,
                                            const MergeFileReader* reader) {
  std::vector<FilterRule> out;
  for (const auto& t : texts) CRSYNC_RETURN_IF_ERROR(add_text(t, nullptr, reader, 0, &out));
  return out;
}

Result<std::vector<FilterRule>> parse_dir_merge_file(const std::string& content,
                                                     const FilterRule& container, bool* clears) {
  std::vector<FilterRule> out;
  *clears = false;
  for (const auto& chunk : file_chunks(content, container.word_split)) {
    size_t pos = 0;
    for (;;) {
      CRSYNC_ASSIGN_OR_RETURN(std::optional<Token> t, next_token(chunk, &pos, &container));
      if (!t) break;
      if (t->clear) {
        out.clear();
        *clears = true;
      } else if (t->merge || t->rule.dir_merge) {
        return unsupported(chunk);  // nested merge files
      } else {
        out.push_back(std::move(t->rule));
      }
      if (!container.word_split) break;
    }
  }
  return out;
}

bool rule_matches(const FilterRule& r, const std::string& path, bool is_dir) {
  return pattern_matches(r, path, is_dir) != r.negate;
}

bool is_excluded(const std::vector<FilterRule>& rules, const std::string& path, bool is_dir,
                 Side side) {
  for (const auto& r : rules) {
    if (r.dir_merge || !applies_on(r, side)) continue;
    if (rule_matches(r, path, is_dir)) return !r.include;
  }
  return false;
}

bool has_dir_merge(const std::vector<FilterRule>& rules) {
  for (const auto& r : rules)
    if (r.dir_merge) return true;
  return false;
}

std::string wire_text(const FilterRule& r, int protocol) {
  std::string t = r.dir_merge ? ":" : r.include ? "+" : "-";
  if (r.negate) t += '!';
  if (r.dir_merge) {
    if (r.cvs) {
      t += 'C';
    } else {
      if (r.no_inherit) t += 'n';
      if (r.word_split) t += 'w';
      if (r.no_prefixes) t += r.include ? '+' : '-';
    }
  }
  if (r.sender_only) t += 's';
  if (r.receiver_only) t += 'r';
  if (r.perishable && protocol >= 30) t += 'p';
  t += ' ';
  if (r.anchored) t += '/';
  t += r.pattern;
  if (r.and_below)
    t += "/***";
  else if (r.dir_only)
    t += '/';
  return t;
}

std::optional<std::string> xfer_text(const FilterRule& r, int protocol, bool am_sender) {
  if (protocol >= 29) {
    if (r.perishable && protocol < 30 && am_sender) return std::nullopt;
    return wire_text(r, protocol);
  }
  if (r.dir_merge || r.negate || r.sender_only || r.receiver_only) return std::nullopt;
  if (r.perishable && am_sender) return std::nullopt;
  std::string body = (r.anchored ? "/" : "") + r.pattern;
  if (r.and_below)
    body += "/***";
  else if (r.dir_only)
    body += '/';
  const bool looks_prefixed =
      body.size() >= 2 && (body[0] == '-' || body[0] == '+') && body[1] == ' ';
  if (r.include) return "+ " + body;
  return looks_prefixed ? "- " + body : body;
}

}  // namespace crsync::filter
