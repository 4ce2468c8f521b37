// Renders elements for crsync-pcap: one text line per element (direction,
// raw offset, length, kind, index, subject, fields, mask), or one JSON
// object.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>

#include "pcap/element.h"

namespace crsync::pcap {

std::string element_line(const Element& e, size_t frame);
nlohmann::json element_json(const Element& e, size_t frame);
// A value made printable: control bytes as \xNN, long values cut.
std::string printable(const std::string& s, size_t max = 200);

}  // namespace crsync::pcap
