#include "checksum/checksum_type.h"

namespace crsync::checksum {

int digest_len(ChecksumType t, bool for_flist) {
  switch (t) {
    case ChecksumType::kNone: return 1;
    case ChecksumType::kMd4Archaic: return for_flist ? 2 : 16;
    case ChecksumType::kMd4Busted:
    case ChecksumType::kMd4Old:
    case ChecksumType::kMd4:
    case ChecksumType::kMd5: return 16;
    case ChecksumType::kSha1: return 20;
    case ChecksumType::kSha256: return 32;
    case ChecksumType::kSha512: return 64;
    case ChecksumType::kXxh64:
    case ChecksumType::kXxh3_64: return 8;
    case ChecksumType::kXxh3_128: return 16;
  }
  return 0;
}

bool is_md4_family(ChecksumType t) {
  return t == ChecksumType::kMd4Archaic || t == ChecksumType::kMd4Busted ||
         t == ChecksumType::kMd4Old || t == ChecksumType::kMd4;
}

ChecksumType implied_md4(int protocol) {
  if (protocol >= 30) return ChecksumType::kMd4;
  if (protocol >= 27) return ChecksumType::kMd4Old;
  if (protocol >= 21) return ChecksumType::kMd4Busted;
  return ChecksumType::kMd4Archaic;
}

std::string_view checksum_name(ChecksumType t) {
  switch (t) {
    case ChecksumType::kNone: return "none";
    case ChecksumType::kMd4Archaic:
    case ChecksumType::kMd4Busted:
    case ChecksumType::kMd4Old:
    case ChecksumType::kMd4: return "md4";
    case ChecksumType::kMd5: return "md5";
    case ChecksumType::kSha1: return "sha1";
    case ChecksumType::kSha256: return "sha256";
    case ChecksumType::kSha512: return "sha512";
    case ChecksumType::kXxh64: return "xxh64";
    case ChecksumType::kXxh3_64: return "xxh3";
    case ChecksumType::kXxh3_128: return "xxh128";
  }
  return "?";
}

std::optional<ChecksumType> checksum_by_name(std::string_view name) {
  if (name == "none") return ChecksumType::kNone;
  if (name == "md4") return ChecksumType::kMd4;
  if (name == "md5") return ChecksumType::kMd5;
  if (name == "sha1") return ChecksumType::kSha1;
  if (name == "sha256") return ChecksumType::kSha256;
  if (name == "sha512") return ChecksumType::kSha512;
  if (name == "xxh64" || name == "xxhash") return ChecksumType::kXxh64;
  if (name == "xxh3") return ChecksumType::kXxh3_64;
  if (name == "xxh128") return ChecksumType::kXxh3_128;
  return std::nullopt;
}

}  // namespace crsync::checksum
