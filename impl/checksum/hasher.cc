#include "checksum/hasher.h"

#include <openssl/evp.h>
#include <xxhash.h>

#include "base/check.h"
#include "checksum/md4.h"

namespace crsync::checksum {
namespace {

void store_le64(uint8_t* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(v >> (8 * i));
}

const EVP_MD* evp_for(ChecksumType t) {
  switch (t) {
    case ChecksumType::kMd5: return EVP_md5();
    case ChecksumType::kSha1: return EVP_sha1();
    case ChecksumType::kSha256: return EVP_sha256();
    case ChecksumType::kSha512: return EVP_sha512();
    default: return nullptr;
  }
}

}  // namespace

struct Hasher::Impl {
  Md4 md4;
  EVP_MD_CTX* evp = nullptr;
  XXH64_state_t* xxh64 = nullptr;
  XXH3_state_t* xxh3 = nullptr;

  ~Impl() {
    if (evp) EVP_MD_CTX_free(evp);
    if (xxh64) XXH64_freeState(xxh64);
    if (xxh3) XXH3_freeState(xxh3);
  }
};

Hasher::Hasher(ChecksumType type, uint64_t xxh_seed)
    : type_(type), impl_(std::make_unique<Impl>()) {
  reset(xxh_seed);
}
Hasher::~Hasher() = default;
Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&&) noexcept = default;

void Hasher::reset(uint64_t xxh_seed) {
  switch (type_) {
    case ChecksumType::kNone: break;
    case ChecksumType::kMd4Archaic:
    case ChecksumType::kMd4Busted: impl_->md4 = Md4(/*busted_tail=*/true); break;
    case ChecksumType::kMd4Old:
    case ChecksumType::kMd4: impl_->md4 = Md4(); break;
    case ChecksumType::kMd5:
    case ChecksumType::kSha1:
    case ChecksumType::kSha256:
    case ChecksumType::kSha512:
      if (!impl_->evp) impl_->evp = EVP_MD_CTX_new();
      CRSYNC_ASSERT(impl_->evp && EVP_DigestInit_ex(impl_->evp, evp_for(type_), nullptr) == 1);
      break;
    case ChecksumType::kXxh64:
      if (!impl_->xxh64) impl_->xxh64 = XXH64_createState();
      XXH64_reset(impl_->xxh64, xxh_seed);
      break;
    case ChecksumType::kXxh3_64:
      if (!impl_->xxh3) impl_->xxh3 = XXH3_createState();
      XXH3_64bits_reset_withSeed(impl_->xxh3, xxh_seed);
      break;
    case ChecksumType::kXxh3_128:
      if (!impl_->xxh3) impl_->xxh3 = XXH3_createState();
      XXH3_128bits_reset_withSeed(impl_->xxh3, xxh_seed);
      break;
  }
}

void Hasher::update(ByteSpan data) {
  switch (type_) {
    case ChecksumType::kNone: break;
    case ChecksumType::kMd4Archaic:
    case ChecksumType::kMd4Busted:
    case ChecksumType::kMd4Old:
    case ChecksumType::kMd4: impl_->md4.update(data); break;
    case ChecksumType::kMd5:
    case ChecksumType::kSha1:
    case ChecksumType::kSha256:
    case ChecksumType::kSha512: EVP_DigestUpdate(impl_->evp, data.data(), data.size()); break;
    case ChecksumType::kXxh64: XXH64_update(impl_->xxh64, data.data(), data.size()); break;
    case ChecksumType::kXxh3_64: XXH3_64bits_update(impl_->xxh3, data.data(), data.size()); break;
    case ChecksumType::kXxh3_128: XXH3_128bits_update(impl_->xxh3, data.data(), data.size()); break;
  }
}

int Hasher::finish(uint8_t* out) {
  switch (type_) {
    case ChecksumType::kNone: out[0] = 0; break;
    case ChecksumType::kMd4Archaic:
    case ChecksumType::kMd4Busted:
    case ChecksumType::kMd4Old:
    case ChecksumType::kMd4: {
      const auto d = impl_->md4.finish();
      std::copy(d.begin(), d.end(), out);
      break;
    }
    case ChecksumType::kMd5:
    case ChecksumType::kSha1:
    case ChecksumType::kSha256:
    case ChecksumType::kSha512: {
      unsigned int len = 0;
      EVP_DigestFinal_ex(impl_->evp, out, &len);
      break;
    }
    case ChecksumType::kXxh64: store_le64(out, XXH64_digest(impl_->xxh64)); break;
    case ChecksumType::kXxh3_64: store_le64(out, XXH3_64bits_digest(impl_->xxh3)); break;
    case ChecksumType::kXxh3_128: {
      const XXH128_hash_t d = XXH3_128bits_digest(impl_->xxh3);
      store_le64(out, d.low64);
      store_le64(out + 8, d.high64);
      break;
    }
  }
  return digest_len(type_);
}

DigestBuf Hasher::hash(ChecksumType type, ByteSpan data, uint64_t xxh_seed) {
  Hasher h(type, xxh_seed);
  h.update(data);
  DigestBuf out{};
  h.finish(out.data());
  return out;
}

}  // namespace crsync::checksum
