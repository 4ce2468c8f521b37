// Splits a recorded daemon session (`rsync host::module`, TCP) into its
// stages, from the two reassembled byte streams: the text exchange
// (greetings, MOTD, module, auth, arguments), the binary prologue (compat
// flags, negotiated name lists, checksum seed) and the start of the
// multiplexed streams. It reads the protocol and options that later decoding
// needs from the session itself.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"

namespace crsync::pcap {

struct DaemonText {
  std::string server_greeting;  // "@RSYNCD: 32.0 sha512 ..." (no newline)
  std::string client_greeting;
  int server_protocol = 0;
  int client_protocol = 0;
  int protocol = 0;                       // the lower of the two
  std::vector<std::string> server_lines;  // every server text line after its greeting
  std::string module;                     // the client's module line ("" or "#list" for a listing)
  std::string auth_challenge;             // from "@RSYNCD: AUTHREQD <chal>"
  std::string auth_response;              // the client's "user digest" line
  std::vector<std::string> args;          // client arguments, as sent
  bool listing = false;                   // module listing: no binary phase
  bool refused = false;                   // "@ERROR..." ended the session
  size_t s2c_binary = 0;                  // offset of the first binary byte, server->client
  size_t c2s_binary = 0;                  // likewise, client->server
};

Status parse_daemon_text(ByteSpan c2s, ByteSpan s2c, DaemonText* out);

struct BinaryPrologue {
  bool have_compat = false;
  uint32_t compat_flags = 0;
  bool checksum_lists = false;  // negotiation strings were exchanged
  bool compress_lists = false;
  std::string server_checksum_list, client_checksum_list;
  std::string server_compress_list, client_compress_list;
  int32_t seed = 0;
  // Where each piece lies: (server->client?, name, start offset, end offset).
  struct Piece {
    bool s2c = true;
    const char* name = "";
    size_t start = 0, end = 0;
  };
  std::vector<Piece> pieces;
  size_t s2c_mux = 0;    // where multiplexed data starts, server->client
  size_t c2s_after = 0;  // client->server offset after its negotiation strings
};

// Whether the arguments ask for compression (a 'z' in the short-option word
// or --compress) and whether they pin the choices.
struct ArgFacts {
  bool compress = false;
  bool checksum_choice = false;
  bool compress_choice = false;
  bool am_sender_server = false;       // "--sender": the server sends (a pull)
  bool inc_recursive_allowed = false;  // 'i' in the -e capability string
};
ArgFacts arg_facts(const std::vector<std::string>& args);

Status parse_binary_prologue(ByteSpan c2s, ByteSpan s2c, const DaemonText& text,
                             BinaryPrologue* out);

// Concatenates the MSG_DATA payloads of a multiplexed stream, and lists the
// other messages (code, payload). Stops at a truncated frame.
struct Demuxed {
  Bytes data;
  std::vector<std::pair<uint8_t, Bytes>> messages;
  size_t frames = 0;
  size_t consumed = 0;  // bytes of whole frames read
};
Status demultiplex(ByteSpan stream, Demuxed* out);

}  // namespace crsync::pcap
