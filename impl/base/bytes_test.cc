#include "base/bytes.h"

#include <gtest/gtest.h>

namespace crsync {
namespace {

TEST(ByteReaderTest, NeverOverReads) {
  const uint8_t data[] = {1, 2, 3};
  ByteReader r{ByteSpan(data)};
  uint32_t v = 0;
  EXPECT_TRUE(r.le32(&v).need_more());
  EXPECT_EQ(r.pos(), 0u);
  uint16_t s = 0;
  EXPECT_TRUE(r.le16(&s).ok());
  EXPECT_EQ(s, 0x0201);
  ByteSpan t;
  EXPECT_TRUE(r.take(2, &t).need_more());
  EXPECT_TRUE(r.take(1, &t).ok());
  EXPECT_TRUE(r.empty());
}

TEST(ByteWriterTest, LittleEndian) {
  ByteWriter w;
  w.le32(0x01020304);
  w.le16(0xA0B0);
  EXPECT_EQ(w.bytes(), (Bytes{4, 3, 2, 1, 0xB0, 0xA0}));
}

}  // namespace
}  // namespace crsync
