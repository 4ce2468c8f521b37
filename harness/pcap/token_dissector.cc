#include "pcap/token_dissector.h"

#include <xxhash.h>

#include <algorithm>
#include <cstdio>

#include "delta/token_codec.h"
#include "pcap/file_list_dissector.h"
#include "wire/primitives.h"
#include "wire/protocol_format.h"

namespace crsync::pcap {
namespace {

// Literal runs and block ranges of one file, adjacent pieces merged.
class DataSummary {
 public:
  DataSummary() : state_(XXH64_createState()) {}
  ~DataSummary() { XXH64_freeState(state_); }
  DataSummary(const DataSummary&) = delete;
  DataSummary& operator=(const DataSummary&) = delete;

  void literal(ByteSpan b) {
    if (b.empty()) return;
    close_blocks();
    if (!in_literal_) {
      XXH64_reset(state_, 0);
      in_literal_ = true;
      run_len_ = 0;
    }
    XXH64_update(state_, b.data(), b.size());
    run_len_ += b.size();
    literal_bytes_ += b.size();
  }
  void block(int32_t b, int64_t len) {
    close_literal();
    ++blocks_;
    matched_bytes_ += len;
    if (block_open_ && b == block_last_ + 1) {
      block_last_ = b;
      return;
    }
    close_blocks();
    block_open_ = true;
    block_first_ = block_last_ = b;
  }
  void finish(Element& e) {
    close_literal();
    close_blocks();
    e.add("size", std::to_string(literal_bytes_ + matched_bytes_));
    e.add("literal_bytes", std::to_string(literal_bytes_));
    e.add("matched_blocks", std::to_string(blocks_));
    e.add("runs", runs_.empty() ? "(empty)" : runs_);
  }

 private:
  void close_literal() {
    if (!in_literal_) return;
    char buf[64];
    std::snprintf(buf, sizeof buf, "literal %llu xxh64:%016llx",
                  static_cast<unsigned long long>(run_len_),
                  static_cast<unsigned long long>(XXH64_digest(state_)));
    sep();
    runs_ += buf;
    in_literal_ = false;
  }
  void close_blocks() {
    if (!block_open_) return;
    sep();
    runs_ += block_first_ == block_last_
                 ? "block " + std::to_string(block_first_)
                 : "blocks " + std::to_string(block_first_) + "-" + std::to_string(block_last_);
    block_open_ = false;
  }
  void sep() {
    if (!runs_.empty()) runs_ += ", ";
  }

  XXH64_state_t* state_;
  bool in_literal_ = false;
  uint64_t run_len_ = 0;
  bool block_open_ = false;
  int32_t block_first_ = 0, block_last_ = 0;
  uint64_t literal_bytes_ = 0;
  int64_t matched_bytes_ = 0;
  int64_t blocks_ = 0;
  std::string runs_;
};

constexpr int64_t kMaxZlibBlock = int64_t{16} << 20;

int64_t block_len(const SumHeadValues& h, int32_t b) {
  if (b == h.count - 1 && h.remainder) return h.remainder;
  return h.blength;
}

}  // namespace

Status read_sum_head(StreamCursor& c, const SessionFacts& f, const std::string& name,
                     SumHeadValues* out) {
  const size_t start = c.r.pos();
  CRSYNC_RETURN_IF_ERROR(wire::get_int32(c.r, &out->count));
  CRSYNC_RETURN_IF_ERROR(wire::get_int32(c.r, &out->blength));
  out->s2length = f.xfer_sum_len;
  if (f.protocol >= 27) CRSYNC_RETURN_IF_ERROR(wire::get_int32(c.r, &out->s2length));
  CRSYNC_RETURN_IF_ERROR(wire::get_int32(c.r, &out->remainder));
  if (out->count < 0 || out->blength < 0 || out->blength > wire::kOldMaxBlockSize ||
      out->s2length < 0 || out->s2length > wire::kMaxDigestLen || out->remainder < 0 ||
      out->remainder > out->blength)
    return Status::Protocol("invalid sum head");
  Element& e = c.emit("sum head", start);
  e.subject = name;
  e.add("count", std::to_string(out->count));
  e.add("blength", std::to_string(out->blength));
  e.add("s2length", std::to_string(out->s2length));
  e.add("remainder", std::to_string(out->remainder));
  return Status::Ok();
}

Status read_block_sums(StreamCursor& c, const SumHeadValues& head, const std::string& name) {
  for (int32_t b = 0; b < head.count; ++b) {
    const size_t start = c.r.pos();
    uint32_t sum1 = 0;
    CRSYNC_RETURN_IF_ERROR(c.r.le32(&sum1));
    ByteSpan sum2;
    CRSYNC_RETURN_IF_ERROR(c.r.take(static_cast<size_t>(head.s2length), &sum2));
    Element& e = c.emit("block sum", start, b);
    e.subject = name;
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08x", sum1);
    e.add("sum1", buf);
    e.add("sum2", hex_bytes(sum2.data(), sum2.size()));
  }
  return Status::Ok();
}

TokenStreamDissector::TokenStreamDissector(const SessionFacts& f) : facts_(f) {
  if (f.compress)
    reader_ = std::make_unique<delta::CompressedTokenReader>(f.compress_type, f.protocol);
}

TokenStreamDissector::~TokenStreamDissector() = default;

Status TokenStreamDissector::read_file(StreamCursor& c, const SumHeadValues& head,
                                       const std::string& name) {
  DataSummary summary;
  Bytes zeros;
  for (;;) {
    const size_t start = c.r.pos();
    delta::Token t;
    Status st = reader_ ? reader_->get(c.r, head.count, &t) : delta::get_token(c.r, head.count, &t);
    CRSYNC_RETURN_IF_ERROR(st);
    const char* kind = t.kind == delta::Token::Kind::kEnd       ? "token end"
                       : t.kind == delta::Token::Kind::kLiteral ? "token literal"
                                                                : "token block";
    Element& e = c.emit(kind, start);
    e.subject = name;
    e.in_l2 = false;  // compared through the file data summary
    if (reader_) e.add("compressed", std::string(wire::compress_name(facts_.compress_type)));
    if (t.kind == delta::Token::Kind::kEnd) break;
    if (t.kind == delta::Token::Kind::kLiteral) {
      e.add("length", std::to_string(t.literal.size()));
      summary.literal(t.literal);
      continue;
    }
    e.add("block", std::to_string(t.block));
    const int64_t len = block_len(head, t.block);
    summary.block(t.block, len);
    // zlib keeps matched blocks in its history; the capture does not hold
    // the basis, so zeros of the block's length stand in for them (the
    // stream still decodes; literals copied from those blocks read as zeros).
    if (reader_ && facts_.compress_type == wire::CompressType::kZlib) {
      if (len > kMaxZlibBlock) return Status::Protocol("block too long for the zlib history");
      zeros.resize(std::max(zeros.size(), static_cast<size_t>(len)));
      CRSYNC_RETURN_IF_ERROR(reader_->see_block(ByteSpan(zeros).first(static_cast<size_t>(len))));
    }
  }
  const size_t start = c.r.pos();
  ByteSpan sum;
  CRSYNC_RETURN_IF_ERROR(c.r.take(static_cast<size_t>(facts_.xfer_sum_len), &sum));
  Element& fs = c.emit("file checksum", start);
  fs.subject = name;
  fs.add("sum", hex_bytes(sum.data(), sum.size()));
  Element& d = c.emit("file data", c.r.pos());
  d.subject = name;
  d.in_l1 = false;
  summary.finish(d);
  return Status::Ok();
}

}  // namespace crsync::pcap
