#include "pcap/daemon_session.h"

#include <cstdlib>

#include "wire/mplex.h"
#include "wire/primitives.h"
#include "wire/protocol_format.h"

namespace crsync::pcap {
namespace {

// Reads one '\n'-terminated line starting at *pos; false if none is complete.
bool read_line(ByteSpan s, size_t* pos, std::string* line) {
  for (size_t i = *pos; i < s.size(); ++i) {
    if (s[i] == '\n') {
      line->assign(reinterpret_cast<const char*>(s.data() + *pos), i - *pos);
      if (!line->empty() && line->back() == '\r') line->pop_back();
      *pos = i + 1;
      return true;
    }
  }
  return false;
}

int greeting_protocol(const std::string& g) {
  const std::string prefix = wire::kDaemonGreetingPrefix;
  if (g.compare(0, prefix.size(), prefix) != 0) return 0;
  return std::atoi(g.c_str() + prefix.size());
}

bool starts_with(const std::string& s, std::string_view p) {
  return s.compare(0, p.size(), p) == 0;
}

}  // namespace

Status parse_daemon_text(ByteSpan c2s, ByteSpan s2c, DaemonText* out) {
  size_t sp = 0, cp = 0;
  if (!read_line(s2c, &sp, &out->server_greeting) || !read_line(c2s, &cp, &out->client_greeting))
    return Status::Protocol("no daemon greeting in the capture");
  out->server_protocol = greeting_protocol(out->server_greeting);
  out->client_protocol = greeting_protocol(out->client_greeting);
  if (!out->server_protocol || !out->client_protocol)
    return Status::Protocol("not an rsync daemon session: " + out->server_greeting);
  out->protocol = std::min(out->server_protocol, out->client_protocol);

  if (!read_line(c2s, &cp, &out->module)) return Status::Protocol("no module line");
  // The server's lines up to OK, EXIT or an error.
  std::string line;
  while (read_line(s2c, &sp, &line)) {
    out->server_lines.push_back(line);
    if (line == wire::kDaemonOk) break;
    if (line == wire::kDaemonExit) {
      out->listing = true;
      break;
    }
    if (starts_with(line, wire::kDaemonError)) {
      out->refused = true;
      break;
    }
    if (starts_with(line, wire::kDaemonAuthReqd)) {
      out->auth_challenge = line.substr(std::string_view(wire::kDaemonAuthReqd).size());
      if (!read_line(c2s, &cp, &out->auth_response)) return Status::Protocol("no auth response");
    }
  }
  out->s2c_binary = sp;
  if (out->listing || out->refused) {
    out->c2s_binary = cp;
    return Status::Ok();
  }
  // Arguments: NUL-terminated from 30 (ended by an empty one), else lines.
  const char term = out->protocol >= 30 ? '\0' : '\n';
  std::string arg;
  for (;;) {
    if (cp >= c2s.size()) return Status::Protocol("arguments end early");
    const char ch = static_cast<char>(c2s[cp++]);
    if (ch != term) {
      arg += ch;
      continue;
    }
    if (arg.empty()) break;
    out->args.push_back(arg);
    arg.clear();
  }
  out->c2s_binary = cp;
  return Status::Ok();
}

ArgFacts arg_facts(const std::vector<std::string>& args) {
  ArgFacts f;
  bool saw_short = false;
  for (const auto& a : args) {
    if (a == "--sender") f.am_sender_server = true;
    if (a == "--compress" || starts_with(a, "--compress-level")) f.compress = true;
    if (starts_with(a, "--checksum-choice=") || starts_with(a, "--cc=")) f.checksum_choice = true;
    if (starts_with(a, "--compress-choice=") || starts_with(a, "--zc=") || a == "--old-compress" ||
        a == "--new-compress")
      f.compress_choice = true;
    if (!saw_short && a.size() > 1 && a[0] == '-' && a[1] != '-') {
      saw_short = true;
      const auto e = a.find('e');
      const std::string letters = a.substr(1, e == std::string::npos ? std::string::npos : e - 1);
      if (letters.find('z') != std::string::npos) f.compress = true;
      if (e != std::string::npos && a.find('i', e) != std::string::npos)
        f.inc_recursive_allowed = true;
    }
  }
  if (f.compress_choice) f.compress = true;
  return f;
}

Status parse_binary_prologue(ByteSpan c2s, ByteSpan s2c, const DaemonText& text,
                             BinaryPrologue* out) {
  ByteReader s(s2c);
  s.seek(text.s2c_binary);
  ByteReader c(c2s);
  c.seek(text.c2s_binary);
  const ArgFacts facts = arg_facts(text.args);
  const auto piece = [out](bool to_client, const char* name, size_t start, size_t end) {
    out->pieces.push_back({to_client, name, start, end});
  };
  if (text.protocol >= 30) {
    int32_t cf = 0;
    const size_t at = s.pos();
    CRSYNC_RETURN_IF_ERROR(wire::get_varint(s, &cf).at_eof("compat flags"));
    piece(true, "compat flags", at, s.pos());
    out->have_compat = true;
    out->compat_flags = static_cast<uint32_t>(cf);
  }
  if (out->compat_flags & wire::kCfVarintFlistFlags) {
    out->checksum_lists = !facts.checksum_choice;
    out->compress_lists = facts.compress && !facts.compress_choice;
    if (out->checksum_lists) {
      size_t sa = s.pos(), ca = c.pos();
      CRSYNC_RETURN_IF_ERROR(wire::get_vstring(s, wire::kMaxNstrStrlen, &out->server_checksum_list)
                                 .at_eof("checksum list"));
      CRSYNC_RETURN_IF_ERROR(wire::get_vstring(c, wire::kMaxNstrStrlen, &out->client_checksum_list)
                                 .at_eof("checksum list"));
      piece(true, "checksum list", sa, s.pos());
      piece(false, "checksum list", ca, c.pos());
    }
    if (out->compress_lists) {
      size_t sa = s.pos(), ca = c.pos();
      CRSYNC_RETURN_IF_ERROR(wire::get_vstring(s, wire::kMaxNstrStrlen, &out->server_compress_list)
                                 .at_eof("compress list"));
      CRSYNC_RETURN_IF_ERROR(wire::get_vstring(c, wire::kMaxNstrStrlen, &out->client_compress_list)
                                 .at_eof("compress list"));
      piece(true, "compress list", sa, s.pos());
      piece(false, "compress list", ca, c.pos());
    }
  }
  const size_t seed_at = s.pos();
  CRSYNC_RETURN_IF_ERROR(wire::get_int32(s, &out->seed).at_eof("checksum seed"));
  piece(true, "checksum seed", seed_at, s.pos());
  out->s2c_mux = s.pos();
  out->c2s_after = c.pos();
  return Status::Ok();
}

Status demultiplex(ByteSpan stream, Demuxed* out) {
  ByteReader r(stream);
  while (!r.empty()) {
    const size_t start = r.pos();
    wire::MplexHeader h;
    Status st = wire::get_mplex_header(r, &h);
    if (st.need_more()) break;
    CRSYNC_RETURN_IF_ERROR(st);
    ByteSpan payload;
    if (!r.take(h.length, &payload).ok()) {
      r.seek(start);
      break;
    }
    ++out->frames;
    if (h.code == static_cast<uint8_t>(wire::MsgCode::kData))
      out->data.insert(out->data.end(), payload.begin(), payload.end());
    else
      out->messages.emplace_back(h.code, Bytes(payload.begin(), payload.end()));
  }
  out->consumed = r.pos();
  return Status::Ok();
}

}  // namespace crsync::pcap
