#include "flist/flist_decoder.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "wire/primitives.h"
#include "wire/protocol_format.h"

namespace crsync::flist {
namespace {

using namespace crsync::wire;  // NOLINT

FlistOptions p32() {
  FlistOptions o;
  o.protocol = 32;
  o.varint_flags = true;
  o.safe_flist = true;
  o.preserve_links = true;
  o.preserve_uid = true;
  o.preserve_gid = true;
  return o;
}

// Builds one protocol-32 entry with a fresh name and explicit fields.
void put_entry(ByteWriter& w, uint32_t flags, uint8_t l1, std::string_view suffix, int64_t size,
               int64_t mtime, uint32_t mode, int32_t uid = 0, int32_t gid = 0) {
  put_varint(w, static_cast<int32_t>(flags));
  if (flags & kXmitSameName) put_byte(w, l1);
  put_byte(w, static_cast<uint8_t>(suffix.size()));
  w.append(suffix);
  put_varlong(w, size, 3);
  if (!(flags & kXmitSameTime)) put_varlong(w, mtime, 4);
  if (!(flags & kXmitSameMode)) put_int32(w, static_cast<int32_t>(mode));
  if (!(flags & kXmitSameUid)) put_varint(w, uid);
  if (!(flags & kXmitSameGid)) put_varint(w, gid);
}

TEST(FlistDecoderTest, DecodesEntriesWithPrefixCompression) {
  ByteWriter w;
  put_entry(w, kXmitTopDir, 0, ".", 0, 1700000000, 040755);
  put_entry(w, kXmitSameUid | kXmitSameGid, 0, "small.txt", 1234, 1700000305, 0100644);
  put_entry(w, kXmitSameName | kXmitSameUid | kXmitSameGid | kXmitSameTime | kXmitSameMode, 5,
            "er.txt", 99, 0, 0);
  put_varint(w, 0);  // end of list
  put_varint(w, 0);  // io_error
  FlistDecoder d(p32());
  std::vector<FileEntry> list;
  ByteReader r{ByteSpan(w.bytes())};
  FlistDecoder::Item it;
  while (true) {
    ASSERT_TRUE(d.next(r, list, 1, &it).ok());
    if (it.end) break;
    list.push_back(it.entry);
  }
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].name, ".");
  EXPECT_TRUE(is_dir(list[0].mode));
  EXPECT_EQ(list[1].name, "small.txt");
  EXPECT_EQ(list[1].size, 1234);
  EXPECT_EQ(list[1].mtime, 1700000305);
  EXPECT_EQ(list[2].name, "smaller.txt");
  EXPECT_EQ(list[2].mtime, 1700000305);
  EXPECT_EQ(list[2].mode, 0100644u);
  EXPECT_TRUE(r.empty());
}

TEST(FlistDecoderTest, NeedMoreRestoresState) {
  ByteWriter w;
  put_entry(w, kXmitTopDir, 0, "a", 5, 1700000000, 0100644);
  put_entry(w, kXmitSameName | kXmitSameTime | kXmitSameMode | kXmitSameUid | kXmitSameGid, 1, "b",
            6, 0, 0);
  const Bytes all = w.take();
  for (size_t cut = 0; cut < all.size(); ++cut) {
    FlistDecoder d(p32());
    std::vector<FileEntry> list;
    FlistDecoder::Item it;
    ByteReader part{ByteSpan(all.data(), cut)};
    Status s;
    while ((s = d.next(part, list, 1, &it)).ok()) list.push_back(it.entry);
    ASSERT_TRUE(s.need_more()) << "cut at " << cut << ": " << s.to_string();
    // Resume from where it stopped with the whole input.
    ByteReader whole{ByteSpan(all)};
    whole.seek(part.pos());
    while (list.size() < 2) {
      ASSERT_TRUE(d.next(whole, list, 1, &it).ok());
      list.push_back(it.entry);
    }
    EXPECT_EQ(list[1].name, "ab");
    EXPECT_EQ(list[1].mtime, 1700000000);
  }
}

TEST(FlistDecoderTest, RefusesDotDotAndAbsoluteNames) {
  for (std::string_view bad : {"../etc/passwd", "a/../../x", "..", "/etc/passwd"}) {
    ByteWriter w;
    put_entry(w, kXmitTopDir, 0, bad, 0, 1, 0100644);
    FlistDecoder d(p32());
    FlistDecoder::Item it;
    ByteReader r{ByteSpan(w.bytes())};
    Status s = d.next(r, {}, 1, &it);
    EXPECT_EQ(s.exit_status(), 4) << bad;
    EXPECT_NE(s.message().find("unsafe pathname"), std::string_view::npos);
  }
}

TEST(FlistDecoderTest, RefusesPrefixLongerThanPreviousName) {
  ByteWriter w;
  put_entry(w, kXmitSameName | kXmitTopDir, 10, "x", 0, 1, 0100644);
  FlistDecoder d(p32());
  FlistDecoder::Item it;
  ByteReader r{ByteSpan(w.bytes())};
  EXPECT_EQ(d.next(r, {}, 1, &it).exit_status(), 2);
}

TEST(FlistDecoderTest, RefusesOverlongNamesAndLinks) {
  ByteWriter w;
  put_varint(w, static_cast<int32_t>(kXmitLongName | kXmitTopDir));
  put_varint(w, 5000);
  FlistDecoder d(p32());
  FlistDecoder::Item it;
  ByteReader r{ByteSpan(w.bytes())};
  EXPECT_EQ(d.next(r, {}, 1, &it).exit_status(), 22);

  ByteWriter l;
  put_entry(l, kXmitTopDir, 0, "lnk", 0, 1, 0120777);
  put_varint(l, 4096);  // link length
  FlistDecoder d2(p32());
  ByteReader r2{ByteSpan(l.bytes())};
  EXPECT_EQ(d2.next(r2, {}, 1, &it).exit_status(), 22);
}

TEST(FlistDecoderTest, RefusesBadTypesAndHardLinks) {
  ByteWriter w;
  put_entry(w, kXmitTopDir, 0, "weird", 0, 1, 0170644);
  FlistDecoder d(p32());
  FlistDecoder::Item it;
  ByteReader r{ByteSpan(w.bytes())};
  EXPECT_EQ(d.next(r, {}, 1, &it).exit_status(), 2);

  // XMIT_HLINKED without -H (rsync 3.5.0 fix).
  ByteWriter h;
  put_varint(h, static_cast<int32_t>(kXmitHlinked | kXmitTopDir));
  put_byte(h, 1);
  h.append(std::string_view("f"));
  FlistDecoder d2(p32());
  ByteReader r2{ByteSpan(h.bytes())};
  EXPECT_EQ(d2.next(r2, {}, 1, &it).exit_status(), 2);

  // A hard-link reference beyond the entries received so far.
  FlistOptions o = p32();
  o.preserve_hard_links = true;
  ByteWriter h2;
  put_varint(h2, static_cast<int32_t>(kXmitHlinked | kXmitTopDir));
  put_byte(h2, 1);
  h2.append(std::string_view("f"));
  put_varint(h2, 7);
  FlistDecoder d3(o);
  ByteReader r3{ByteSpan(h2.bytes())};
  EXPECT_EQ(d3.next(r3, {}, 1, &it).exit_status(), 2);
}

TEST(FlistDecoderTest, IoErrorEndMarkerNeedsSafeFlist) {
  FlistOptions o;
  o.protocol = 30;
  ByteWriter w;
  put_byte(w, kXmitExtendedFlags);
  put_byte(w, kXmitIoErrorEndlist >> 8);
  put_varint(w, 1);
  FlistDecoder::Item it;
  {
    FlistDecoder d(o);
    ByteReader r{ByteSpan(w.bytes())};
    EXPECT_EQ(d.next(r, {}, 1, &it).exit_status(), 2);
  }
  o.safe_flist = true;
  FlistDecoder d(o);
  ByteReader r{ByteSpan(w.bytes())};
  ASSERT_TRUE(d.next(r, {}, 1, &it).ok());
  EXPECT_TRUE(it.end);
  EXPECT_EQ(it.io_error, 1);
}

RC_GTEST_PROP(FlistDecoderProp, GarbageNeverCrashes, (std::vector<uint8_t> junk)) {
  FlistOptions o = p32();
  o.preserve_hard_links = true;
  o.preserve_devices = true;
  o.preserve_specials = true;
  o.preserve_atimes = *rc::gen::arbitrary<bool>();
  o.flist_csum_len = *rc::gen::element(0, 16);
  o.varint_flags = *rc::gen::arbitrary<bool>();
  o.protocol = *rc::gen::inRange(28, 33);
  FlistDecoder d(o);
  std::vector<FileEntry> list;
  ByteReader r{ByteSpan(junk)};
  FlistDecoder::Item it;
  Status s;
  while ((s = d.next(r, list, 1, &it)).ok() && !it.end) {
    RC_ASSERT(it.entry.name.size() < 1024);
    list.push_back(it.entry);
  }
  RC_ASSERT(s.ok() || s.need_more() || s.is_error());
}

}  // namespace
}  // namespace crsync::flist
