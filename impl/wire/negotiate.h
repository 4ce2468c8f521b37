// Checksum and compression name negotiation (upstream compat.c
// negotiate_the_strings, parse_negotiate_str, get_default_nno_list).
//
// With CF_VARINT_FLIST_FLAGS (the client sent 'v'), each side sends its list
// as a vstring of space-separated names, checksum list first and compress
// list second (only with -z and no explicit choice), before reading the
// peer's. The result is the first name in the *client's* list that the
// server also lists, so both sides reach the same answer. Without 'v' the
// choices are implied: md5 (protocol >= 30) or the md4 variant, and zlib.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "checksum/checksum_type.h"

namespace crsync::wire {

enum class CompressType {
  kNone,   // CPRES_NONE
  kZlib,   // CPRES_ZLIB
  kZlibx,  // CPRES_ZLIBX
  kLz4,    // CPRES_LZ4
  kZstd,   // CPRES_ZSTD
};

std::string_view compress_name(CompressType t);
std::optional<CompressType> compress_by_name(std::string_view name);

enum class NameKind { kChecksum, kCompress };

// The list this build advertises, in preference order. The client leaves out
// "none"; aliases ("xxhash") are never advertised.
std::string default_name_list(NameKind kind, bool am_server);

// Cleans a user list (RSYNC_CHECKSUM_LIST, RSYNC_COMPRESS_LIST): splits on
// spaces, keeps names this build supports, maps aliases to their main name,
// drops duplicates.
// An input that named only unknown things becomes "INVALID".
std::string clean_name_list(NameKind kind, std::string_view user_list);

// Applies the rule: the first name of `client_list` present in
// `server_list`. Failure is "Failed to negotiate a <kind> choice." with exit
// code 4, as upstream.
Result<std::string> negotiate_names(NameKind kind, std::string_view client_list,
                                    std::string_view server_list);

// The checksum used when no negotiation happened (no 'v' capability).
checksum::ChecksumType implied_checksum(int protocol);

std::vector<std::string_view> split_names(std::string_view list);

}  // namespace crsync::wire
