#include "cli/version.h"

#include "wire/negotiate.h"
#include "wire/protocol_format.h"

namespace crsync::cli {

std::string version_text() {
  std::string s;
  s += "crsync  version " CRSYNC_VERSION "  protocol version ";
  s += std::to_string(wire::kProtocolVersion);
  s += "\n";
  s += "Copyright (C) 2026 the crsync authors.\n";
  s += "Wire-compatible with rsync 3.4.1; protocols ";
  s += std::to_string(wire::kMinProtocolVersion) + " to " + std::to_string(wire::kProtocolVersion) +
       ".\n";
  s += "Capabilities:\n";
  s += "    64-bit files, 64-bit inums, 64-bit timestamps, 64-bit long ints\n";
  s += "Checksum list:\n    xxh128 xxh3 xxh64 (xxhash) md5 md4 sha1 none\n";
  s += "Compress list:\n    " + wire::default_name_list(wire::NameKind::kCompress, true) + "\n";
  s += "Daemon auth list:\n    sha512 sha256 sha1 md5 md4\n";
  s += "\ncrsync comes with ABSOLUTELY NO WARRANTY.  This is free software, and you\n"
       "are welcome to redistribute it under certain conditions.\n";
  return s;
}

}  // namespace crsync::cli
