// rsync's seeding rules for strong checksums (upstream checksum.c):
//
//  * block sums (get_checksum2), sent in sum heads:
//      MD4 family  MD4(data || seed)   (seed omitted when 0)
//      MD5         MD5(seed || data) with CF_CHKSUM_SEED_FIX ("proper seed
//                  order"), else MD5(data || seed); seed omitted when 0
//      SHA1        SHA1(seed || data)
//      xxh*        the seed is the hash seed (int32 sign-extended to 64 bits)
//  * whole-file sums (sum_init/sum_update/sum_end), sent after each file's
//    token stream: MD4_OLD/BUSTED/ARCHAIC hash the 4 seed bytes first (even
//    when the seed is 0); every other algorithm is unseeded.
//  * -c file sums (file_checksum): unseeded.
// The seed goes on the wire (and into hashes) as 4 little-endian bytes.
#pragma once

#include <cstdint>

#include "base/bytes.h"
#include "checksum/checksum_type.h"
#include "checksum/hasher.h"

namespace crsync::checksum {

// Computes block sums for one transfer; reuses its hash context between
// blocks. Not thread-safe: one per role.
class BlockSummer {
 public:
  BlockSummer(ChecksumType type, int32_t seed, bool proper_seed_order);
  // Writes the full digest (digest_len(type) bytes) of one block.
  void sum2(ByteSpan block, uint8_t* out);
  ChecksumType type() const { return type_; }
  // Another summer with the same rules (for a second thread).
  BlockSummer twin() const { return BlockSummer(type_, seed_, seed_first_, Rules{}); }

 private:
  struct Rules {};
  BlockSummer(ChecksumType type, int32_t seed, bool seed_first, Rules);
  ChecksumType type_;
  int32_t seed_;
  bool seed_first_;
  Hasher hasher_;
};

// The whole-file checksum a sender appends after a file's tokens and the
// receiver verifies.
class FileSum {
 public:
  FileSum(ChecksumType type, int32_t seed);
  void update(ByteSpan data) { hasher_.update(data); }
  int finish(uint8_t* out) { return hasher_.finish(out); }
  int length() const { return digest_len(hasher_.type()); }

 private:
  Hasher hasher_;
};

// The -c (--checksum) sum of a whole file's contents.
inline DigestBuf file_content_sum(ChecksumType type, ByteSpan data) {
  return Hasher::hash(type, data);
}

}  // namespace crsync::checksum
