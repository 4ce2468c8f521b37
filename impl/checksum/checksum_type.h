// The checksum algorithms rsync can use, with upstream's CSUM_* names, and
// their digest lengths (checksum.c csum_len_for_type).
#pragma once

#include <optional>
#include <string_view>

namespace crsync::checksum {

enum class ChecksumType {
  kNone,        // CSUM_NONE: 1-byte "sum", forces whole-file
  kMd4Archaic,  // CSUM_MD4_ARCHAIC: protocol < 21 (busted tail, 2-byte flist sums)
  kMd4Busted,   // CSUM_MD4_BUSTED: protocol 21..26 (no tail block at multiples of 64)
  kMd4Old,      // CSUM_MD4_OLD: protocol 27..29 (seed prepended to whole-file sums)
  kMd4,         // CSUM_MD4: negotiated md4, protocol >= 30
  kMd5,         // CSUM_MD5
  kSha1,        // CSUM_SHA1
  kSha256,      // CSUM_SHA256 (daemon auth only)
  kSha512,      // CSUM_SHA512 (daemon auth only)
  kXxh64,       // CSUM_XXH64
  kXxh3_64,     // CSUM_XXH3_64
  kXxh3_128,    // CSUM_XXH3_128
};

// Digest length in bytes; `for_flist` gives the length used in file-list
// entries under -c (only MD4_ARCHAIC differs there: 2).
int digest_len(ChecksumType t, bool for_flist = false);

bool is_md4_family(ChecksumType t);

// The MD4 variant a peer without negotiation uses at this protocol.
ChecksumType implied_md4(int protocol);

// Negotiation names ("md5", "xxh128", ...); "xxhash" is an alias of xxh64.
std::string_view checksum_name(ChecksumType t);
std::optional<ChecksumType> checksum_by_name(std::string_view name);

}  // namespace crsync::checksum
