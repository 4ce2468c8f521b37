// The start of a remote-shell session (rsync over ssh or rsh, recorded as
// two raw byte streams by `crsync-pcap record-rsh`): there is no daemon
// text; each side first sends its protocol version as a 4-byte integer, and
// the options that decoding needs come from the server's command line
// (`rsync --server [--sender] -vlogDtpre.iLsfxCIvu . path`), which the
// recording keeps beside the streams. What follows (compat flags, name
// lists, seed, multiplexed data) is laid out as in a daemon session.
#pragma once

#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"
#include "pcap/daemon_session.h"
#include "pcap/element.h"

namespace crsync::pcap {

// Fills `out` as parse_daemon_text does for a daemon session: both
// versions, the protocol, the arguments (`server_args`, from "--server" on)
// and where the binary phase starts.
Status parse_rsh_start(ByteSpan c2s, ByteSpan s2c, const std::vector<std::string>& server_args,
                       DaemonText* out);

// The two "protocol version" elements.
void rsh_start_elements(const DaemonText& text, std::vector<Element>* c2s_out,
                        std::vector<Element>* s2c_out);

}  // namespace crsync::pcap
