#include "pcap/capture_diff.h"

#include <algorithm>
#include <cstdio>
#include <regex>
#include <set>

#include "pcap/element_format.h"

namespace crsync::pcap {
namespace {

// The innermost element holding raw byte `p` of a direction (a frame header
// inside a long data element wins over that element).
const Element* element_at(const DirectionDissection& d, uint64_t p) {
  const auto& els = d.elements;
  auto it = std::upper_bound(els.begin(), els.end(), p,
                             [](uint64_t v, const Element& e) { return v < e.offset; });
  for (int steps = 0; it != els.begin() && steps < 4096; ++steps) {
    --it;
    if (it->offset <= p && p < it->offset + it->length) return &*it;
  }
  return nullptr;
}

std::string where(const Element* e) {
  return e ? e->describe() : std::string("no element");
}

// What differs first: the subject (which file, which MSG_ or NDX_ name),
// then the first field whose value differs (or that only one side has).
bool field_difference(const Element& a, const Element& b, Divergence* d) {
  if (a.subject != b.subject) {
    d->field = a.kind == "ndx" && b.field("ndx") == nullptr ? "value" : "subject";
    d->expected = a.subject;
    d->actual = b.subject;
    return true;
  }
  for (const Field& f : a.fields) {
    const std::string* v = b.field(f.name);
    if (!v) {
      d->field = f.name;
      d->expected = f.value;
      d->actual = "(absent)";
      return true;
    }
    if (*v != f.value) {
      d->field = f.name;
      d->expected = f.value;
      d->actual = *v;
      return true;
    }
  }
  for (const Field& f : b.fields) {
    if (!a.field(f.name)) {
      d->field = f.name;
      d->expected = "(absent)";
      d->actual = f.value;
      return true;
    }
  }
  return false;
}

void finish_summary(Divergence& d, const std::string& detail) {
  std::string s = d.element_a;
  if (d.element_b != d.element_a) s += " (B: " + d.element_b + ")";
  if (!d.field.empty())
    s += ": " + d.field + " expected " + printable(d.expected, 160) + ", got " +
         printable(d.actual, 160);
  else if (!detail.empty())
    s += ": " + detail;
  s +=
      " [A offset " + std::to_string(d.offset_a) + ", B offset " + std::to_string(d.offset_b) + "]";
  d.summary = s;
}

bool same_masked(const Element* a, const Element* b, bool masks) {
  return masks && a && b && a->mask != Mask::kNone && a->mask == b->mask && a->kind == b->kind;
}

// L0: raw bytes; a masked element is skipped when it has the same place and
// length in both.
size_t when(const DiffOptions& o, Dir d, uint64_t off) {
  return o.when_a ? o.when_a(d, off) : static_cast<size_t>(off);
}

// The first offset in [from, n) where the streams differ, else n; read in
// steps so that mapped streams stay mostly out of memory.
size_t first_mismatch(const StreamBuffer& a, const StreamBuffer& b, size_t from, size_t n) {
  constexpr size_t kStep = size_t{4} << 20;
  while (from < n) {
    const size_t to = from + std::min(kStep, n - from);
    const auto m = std::mismatch(a.begin() + from, a.begin() + to, b.begin() + from);
    note_read_progress(2 * (to - from));
    if (m.first != a.begin() + to) return static_cast<size_t>(m.first - a.begin());
    from = to;
  }
  return n;
}

LevelResult diff_l0(const Dissection& A, const Dissection& B, const DiffOptions& o) {
  LevelResult total;
  bool found = false;
  for (Dir dir : {Dir::kC2S, Dir::kS2C}) {
    LevelResult r;
    const DirectionDissection& a = A.dir(dir);
    const DirectionDissection& b = B.dir(dir);
    const size_t n = std::min(a.raw.size(), b.raw.size());
    size_t i = 0;
    for (;;) {
      const size_t p = first_mismatch(a.raw, b.raw, i, n);
      r.compared += p - i;
      if (p == n && a.raw.size() == b.raw.size()) break;
      const Element* ea = element_at(a, p);
      const Element* eb = element_at(b, p);
      if (p < n && same_masked(ea, eb, o.masks) && ea->offset == eb->offset &&
          ea->length == eb->length) {
        r.masked += ea->offset + ea->length - p;
        i = ea->offset + ea->length;
        continue;
      }
      r.holds = false;
      Divergence& d = r.first;
      d.dir = dir;
      d.offset_a = d.offset_b = p;
      d.element_a = p < a.raw.size() ? where(ea) : std::string(dir_name(dir)) + " end of stream";
      d.element_b = p < b.raw.size() ? where(eb) : std::string(dir_name(dir)) + " end of stream";
      std::string detail;
      if (p == n) {
        detail = a.raw.size() > b.raw.size()
                     ? "B's stream ends " + std::to_string(a.raw.size() - n) + " bytes early"
                     : "B's stream has " + std::to_string(b.raw.size() - n) + " extra bytes";
      } else {
        char buf[64];
        std::snprintf(buf, sizeof buf, "byte 0x%02x expected, got 0x%02x", a.raw[p], b.raw[p]);
        detail = buf;
        if (ea && eb && ea->kind == eb->kind && field_difference(*ea, *eb, &d)) detail.clear();
      }
      if (d.field.empty() || !detail.empty()) d.field.clear();
      finish_summary(d, detail);
      break;
    }
    total.compared += r.compared;
    total.masked += r.masked;
    if (!r.holds && (!found || when(o, dir, r.first.offset_a) <
                                   when(o, total.first.dir, total.first.offset_a))) {
      total.holds = false;
      total.first = r.first;
      found = true;
    }
  }
  return total;
}

std::vector<const Element*> sequence(const DirectionDissection& d, Track t, Level l) {
  std::vector<const Element*> v;
  for (const Element& e : d.elements) {
    if (e.track != t) continue;
    if (l == Level::kL1 ? !e.in_l1 : !e.in_l2) continue;
    v.push_back(&e);
  }
  return v;
}

// A message's text without its " at FILE(LINE) [ROLE=VERSION]" trailer.
std::string without_trailer(ByteSpan text) {
  static const std::regex trailer(R"( at [^ ()]+\([0-9]+\) \[[^=\]]+=[^\]]+\](\n?)$)");
  return std::regex_replace(std::string(text.begin(), text.end()), trailer, " at <src>$1");
}

// Messages equal but for their trailers (mask_error_trailer).
bool equal_but_trailer(const DirectionDissection& a, const DirectionDissection& b, const Element& x,
                       const Element& y) {
  if (x.kind != "message" || y.kind != "message" || x.subject != y.subject) return false;
  return without_trailer(a.l1_bytes(x)) == without_trailer(b.l1_bytes(y));
}

bool equal_at(const DirectionDissection& a, const DirectionDissection& b, const Element& x,
              const Element& y, Level l) {
  if (x.kind != y.kind || x.index != y.index) return false;
  if (l == Level::kL1 || x.undecoded || y.undecoded) {
    const ByteSpan bx = a.l1_bytes(x), by = b.l1_bytes(y);
    return std::equal(bx.begin(), bx.end(), by.begin(), by.end());
  }
  if (x.subject != y.subject || x.fields.size() != y.fields.size()) return false;
  for (size_t i = 0; i < x.fields.size(); ++i)
    if (x.fields[i].name != y.fields[i].name || x.fields[i].value != y.fields[i].value)
      return false;
  return true;
}

// L1 / L2: the element sequences of each direction and track.
LevelResult diff_elements(const Dissection& A, const Dissection& B, Level l, const DiffOptions& o) {
  LevelResult r;
  Divergence best;
  bool found = false;
  for (Dir dir : {Dir::kC2S, Dir::kS2C}) {
    for (Track t : {Track::kData, Track::kMessages}) {
      const auto sa = sequence(A.dir(dir), t, l);
      const auto sb = sequence(B.dir(dir), t, l);
      size_t i = 0;
      for (; i < sa.size() && i < sb.size(); ++i) {
        ++r.compared;
        if (same_masked(sa[i], sb[i], o.masks)) {
          ++r.masked;
          continue;
        }
        if (equal_at(A.dir(dir), B.dir(dir), *sa[i], *sb[i], l)) continue;
        if (o.mask_error_trailer && equal_but_trailer(A.dir(dir), B.dir(dir), *sa[i], *sb[i])) {
          ++r.trailer_masked;
          continue;
        }
        break;
      }
      if (i == sa.size() && i == sb.size()) continue;
      Divergence d;
      d.dir = dir;
      std::string detail;
      const Element* x = i < sa.size() ? sa[i] : nullptr;
      const Element* y = i < sb.size() ? sb[i] : nullptr;
      d.element_a = x ? x->describe() : std::string(dir_name(dir)) + " end of session";
      d.element_b = y ? y->describe() : std::string(dir_name(dir)) + " end of session";
      d.offset_a = x ? x->offset : A.dir(dir).raw.size();
      d.offset_b = y ? y->offset : B.dir(dir).raw.size();
      if (x && y && x->kind == y->kind) {
        if (!field_difference(*x, *y, &d)) {
          const ByteSpan bx = A.dir(dir).l1_bytes(*x), by = B.dir(dir).l1_bytes(*y);
          const auto m = std::mismatch(bx.begin(), bx.end(), by.begin(), by.end());
          const size_t k = static_cast<size_t>(m.first - bx.begin());
          char buf[96];
          if (m.first != bx.end() && m.second != by.end())
            std::snprintf(buf, sizeof buf, ", from byte %zu: 0x%02x expected, got 0x%02x", k,
                          *m.first, *m.second);
          else
            std::snprintf(buf, sizeof buf, ", one is a prefix of the other");
          detail = "same fields, different bytes (" + std::to_string(bx.size()) + " vs " +
                   std::to_string(by.size()) + buf + ")";
        }
      } else if (!x) {
        detail = "B has more elements";
      } else if (!y) {
        detail = "B has fewer elements";
      } else {
        detail = "a different element";
      }
      finish_summary(d, detail);
      // The earliest divergence in capture A wins (then direction order).
      if (!found || when(o, d.dir, d.offset_a) < when(o, best.dir, best.offset_a) ||
          (d.dir == best.dir && d.offset_a < best.offset_a)) {
        best = d;
        found = true;
      }
    }
  }
  if (found) {
    r.holds = false;
    r.first = best;
  }
  return r;
}

void list_masks(const Dissection& A, const Dissection& B, DiffReport* rep) {
  std::set<std::string> seen;
  for (const Dissection* d : {&A, &B})
    for (Dir dir : {Dir::kC2S, Dir::kS2C})
      for (const Element& e : d->dir(dir).elements)
        if (e.mask != Mask::kNone)
          seen.insert(std::string(mask_name(e.mask)) + ": " + dir_name(dir) + " " + e.kind +
                      (e.subject.empty() ? "" : " " + e.subject));
  rep->masks.assign(seen.begin(), seen.end());
}

}  // namespace

const char* level_name(Level l) {
  switch (l) {
    case Level::kL0: return "L0";
    case Level::kL1: return "L1";
    case Level::kL2: return "L2";
  }
  return "?";
}

DiffReport diff_sessions(const Dissection& a, const Dissection& b, const DiffOptions& o) {
  DiffReport rep;
  rep.levels[0] = diff_l0(a, b, o);
  rep.levels[1] = diff_elements(a, b, Level::kL1, o);
  rep.levels[2] = diff_elements(a, b, Level::kL2, o);
  if (o.masks) list_masks(a, b, &rep);
  return rep;
}

}  // namespace crsync::pcap
