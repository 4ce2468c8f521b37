#include "pcap/text_stage.h"

#include <cstdio>
#include <string>

#include "wire/protocol_format.h"

namespace crsync::pcap {
namespace {

bool starts_with(const std::string& s, std::string_view p) {
  return s.compare(0, p.size(), p) == 0;
}

Element text_element(Dir dir, const char* kind, size_t start, size_t end) {
  Element e;
  e.dir = dir;
  e.kind = kind;
  e.offset = e.data_offset = start;
  e.length = e.data_length = end - start;
  return e;
}

// Splits [0, end) into lines ending with `term`; the last may lack it.
std::vector<std::pair<size_t, size_t>> lines(ByteSpan s, size_t end, char term) {
  std::vector<std::pair<size_t, size_t>> out;
  size_t from = 0;
  for (size_t i = 0; i < end && i < s.size(); ++i) {
    if (s[i] != static_cast<uint8_t>(term)) continue;
    out.emplace_back(from, i + 1);
    from = i + 1;
  }
  if (from < end) out.emplace_back(from, end);
  return out;
}

std::string line_text(ByteSpan s, std::pair<size_t, size_t> l) {
  std::string t(as_chars(s.subspan(l.first, l.second - l.first)));
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == '\0')) t.pop_back();
  return t;
}

std::string compat_names(uint32_t cf) {
  static const char* kNames[] = {"INC_RECURSE",         "SYMLINK_TIMES",      "SYMLINK_ICONV",
                                 "SAFE_FLIST",          "AVOID_XATTR_OPTIM",  "CHKSUM_SEED_FIX",
                                 "INPLACE_PARTIAL_DIR", "VARINT_FLIST_FLAGS", "ID0_NAMES"};
  std::string s;
  for (int i = 0; i < 9; ++i) {
    if (!(cf & (1u << i))) continue;
    if (!s.empty()) s += "|";
    s += kNames[i];
  }
  return s.empty() ? "0" : s;
}

}  // namespace

void text_elements(ByteSpan c2s, ByteSpan s2c, const DaemonText& text,
                   std::vector<Element>* c2s_out, std::vector<Element>* s2c_out) {
  // Server: greeting, then every line up to OK / EXIT / @ERROR.
  bool first = true;
  for (auto l : lines(s2c, text.s2c_binary, '\n')) {
    const std::string t = line_text(s2c, l);
    const char* kind = "server line";
    Mask mask = Mask::kNone;
    if (first) {
      kind = "greeting";
    } else if (t == wire::kDaemonOk) {
      kind = "ok";
    } else if (t == wire::kDaemonExit) {
      kind = "exit";
    } else if (starts_with(t, wire::kDaemonError)) {
      kind = "error";
    } else if (starts_with(t, wire::kDaemonAuthReqd)) {
      kind = "auth challenge";
      mask = Mask::kAuth;
    }
    first = false;
    Element e = text_element(Dir::kS2C, kind, l.first, l.second);
    e.mask = mask;
    e.add("text", t);
    s2c_out->push_back(std::move(e));
  }
  // Client: greeting, module, [auth response], then the arguments.
  size_t pos = 0;
  auto c2s_lines = lines(c2s, text.c2s_binary, '\n');
  size_t li = 0;
  const auto next_line = [&](const char* kind, Mask mask) {
    if (li >= c2s_lines.size()) return;
    Element e = text_element(Dir::kC2S, kind, c2s_lines[li].first, c2s_lines[li].second);
    e.mask = mask;
    e.add("text", line_text(c2s, c2s_lines[li]));
    pos = c2s_lines[li].second;
    ++li;
    c2s_out->push_back(std::move(e));
  };
  next_line("greeting", Mask::kNone);
  next_line("module", Mask::kNone);
  if (!text.auth_challenge.empty()) next_line("auth response", Mask::kAuth);
  if (text.listing || text.refused) {
    while (li < c2s_lines.size()) next_line("client line", Mask::kNone);
    return;
  }
  const char term = text.protocol >= 30 ? '\0' : '\n';
  int64_t n = 0;
  size_t from = pos;
  for (size_t i = pos; i < text.c2s_binary && i < c2s.size(); ++i) {
    if (c2s[i] != static_cast<uint8_t>(term)) continue;
    const std::string t = line_text(c2s, {from, i + 1});
    Element e = text_element(Dir::kC2S, t.empty() ? "arguments end" : "argument", from, i + 1);
    if (!t.empty()) {
      e.index = n++;
      e.add("arg", t);
    }
    c2s_out->push_back(std::move(e));
    from = i + 1;
  }
}

void prologue_elements(const BinaryPrologue& pro, bool seed_pinned, std::vector<Element>* c2s_out,
                       std::vector<Element>* s2c_out) {
  for (const BinaryPrologue::Piece& p : pro.pieces) {
    Element e = text_element(p.s2c ? Dir::kS2C : Dir::kC2S, p.name, p.start, p.end);
    const std::string name = p.name;
    if (name == "compat flags") {
      char buf[16];
      std::snprintf(buf, sizeof buf, "0x%x", pro.compat_flags);
      e.add("flags", buf);
      e.add("meaning", compat_names(pro.compat_flags));
    } else if (name == "checksum list") {
      e.add("names", p.s2c ? pro.server_checksum_list : pro.client_checksum_list);
    } else if (name == "compress list") {
      e.add("names", p.s2c ? pro.server_compress_list : pro.client_compress_list);
    } else if (name == "checksum seed") {
      e.add("seed", std::to_string(pro.seed));
      if (!seed_pinned) e.mask = Mask::kSeed;
    }
    (p.s2c ? s2c_out : c2s_out)->push_back(std::move(e));
  }
}

}  // namespace crsync::pcap
