#include "pcap/element_format.h"

#include <cstdio>

namespace crsync::pcap {

std::string printable(const std::string& s, size_t max) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (out.size() >= max) {
      out += "...(" + std::to_string(s.size()) + " bytes)";
      break;
    }
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f || c == '\\') {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string element_line(const Element& e, size_t frame) {
  char head[96];
  std::snprintf(head, sizeof head, "%s %10llu +%-6llu #%-5zu ", dir_name(e.dir),
                static_cast<unsigned long long>(e.offset),
                static_cast<unsigned long long>(e.length), frame);
  std::string s = head;
  s += e.kind;
  if (e.index >= 0) s += " " + std::to_string(e.index);
  if (!e.subject.empty()) s += " \"" + printable(e.subject, 120) + "\"";
  if (!e.fields.empty()) s += ":";
  for (const Field& f : e.fields) s += " " + f.name + "=" + printable(f.value);
  if (e.mask != Mask::kNone) s += std::string(" [masked: ") + mask_name(e.mask) + "]";
  if (!e.in_l1) s += e.in_l2 ? " [decoded summary]" : " [framing]";
  return s;
}

nlohmann::json element_json(const Element& e, size_t frame) {
  nlohmann::json j;
  j["type"] = "element";
  j["dir"] = dir_name(e.dir);
  j["offset"] = e.offset;
  j["length"] = e.length;
  j["frame"] = frame;
  j["kind"] = e.kind;
  if (e.index >= 0) j["index"] = e.index;
  if (!e.subject.empty()) j["subject"] = printable(e.subject, 4096);
  j["plane"] = e.plane == Plane::kData ? "data" : "raw";
  j["data_offset"] = e.data_offset;
  j["data_length"] = e.data_length;
  j["l1"] = e.in_l1;
  j["l2"] = e.in_l2;
  if (e.mask != Mask::kNone) j["mask"] = mask_name(e.mask);
  if (e.undecoded) j["undecoded"] = true;
  nlohmann::json f = nlohmann::json::object();
  for (const Field& x : e.fields) f[x.name] = printable(x.value, 1 << 16);
  j["fields"] = f;
  return j;
}

}  // namespace crsync::pcap
