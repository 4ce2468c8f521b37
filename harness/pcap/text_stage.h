// The daemon session's text exchange and binary prologue as elements:
// greetings, MOTD and listing lines, the module line, the auth challenge and
// response (masked), the arguments, "@RSYNCD: OK/EXIT", "@ERROR"; then the
// compat flags, the checksum and compression name lists and the seed
// (masked when the arguments do not pin it).
#pragma once

#include <vector>

#include "base/bytes.h"
#include "pcap/daemon_session.h"
#include "pcap/element.h"

namespace crsync::pcap {

void text_elements(ByteSpan c2s, ByteSpan s2c, const DaemonText& text,
                   std::vector<Element>* c2s_out, std::vector<Element>* s2c_out);

void prologue_elements(const BinaryPrologue& pro, bool seed_pinned, std::vector<Element>* c2s_out,
                       std::vector<Element>* s2c_out);

}  // namespace crsync::pcap
