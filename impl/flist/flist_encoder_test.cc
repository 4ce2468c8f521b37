#include "flist/flist_encoder.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "flist/flist_decoder.h"
#include "wire/protocol_format.h"

namespace crsync::flist {
namespace {

FlistOptions opts_for(int protocol, bool varint) {
  FlistOptions o;
  o.protocol = protocol;
  o.varint_flags = varint && protocol >= 30;
  o.safe_flist = protocol >= 31;
  o.preserve_uid = o.preserve_gid = o.preserve_links = true;
  o.preserve_devices = o.preserve_specials = true;
  return o;
}

rc::Gen<FileEntry> gen_entry() {
  return rc::gen::exec([] {
    FileEntry e;
    const int kind = *rc::gen::inRange(0, 5);
    const auto perm = *rc::gen::inRange<uint32_t>(0, 07777);
    e.mode = perm | (kind == 0   ? kModeReg
                     : kind == 1 ? kModeDir
                     : kind == 2 ? kModeLnk
                     : kind == 3 ? kModeChr
                                 : kModeFifo);
    const int depth = *rc::gen::inRange(1, 4);
    for (int i = 0; i < depth; ++i) {
      if (i) e.name += '/';
      e.name += *rc::gen::element<std::string>("a", "bb", "many", "d00", "d01", "file.txt", "x y");
    }
    e.size = (kind == 3 || kind == 4) ? 0 : *rc::gen::inRange<int64_t>(0, int64_t{1} << 40);
    e.mtime = *rc::gen::element<int64_t>(1700000000, 1700000061, 0x7FFFFFFF, 1);
    e.uid = *rc::gen::element<uint32_t>(0, 1000);
    e.gid = *rc::gen::element<uint32_t>(0, 100);
    if (kind == 2)
      e.link_target = *rc::gen::element<std::string>("t", "../x", std::string(300, 'l'));
    if (kind == 3) {
      e.rdev_major = *rc::gen::inRange<uint32_t>(0, 300);
      e.rdev_minor = *rc::gen::inRange<uint32_t>(0, 300);
    }
    return e;
  });
}

// Any list encodes and decodes back to the same entries, at every protocol.
RC_GTEST_PROP(FlistEncoderProp, RoundTripsThroughTheDecoder, ()) {
  const int protocol = *rc::gen::inRange(28, 33);
  const bool varint = *rc::gen::arbitrary<bool>();
  const auto entries = *rc::gen::container<std::vector<FileEntry>>(gen_entry());
  const FlistOptions o = opts_for(protocol, varint);
  FlistEncoder enc(o);
  enc.user_name_of = [](uint32_t) { return std::string("someone"); };
  enc.group_name_of = [](uint32_t) { return std::string("grp"); };
  ByteWriter w;
  for (size_t i = 0; i < entries.size(); ++i)
    enc.put_entry(w, entries[i], EntryRole{}, static_cast<int32_t>(i), 0);
  enc.put_end(w, 0, false);
  FlistDecoder dec(o);
  std::vector<FileEntry> got;
  ByteReader r{ByteSpan(w.bytes())};
  FlistDecoder::Item it;
  for (;;) {
    RC_ASSERT(dec.next(r, got, 0, &it).ok());
    if (it.end) break;
    got.push_back(it.entry);
  }
  RC_ASSERT(r.empty());
  RC_ASSERT(got.size() == entries.size());
  for (size_t i = 0; i < got.size(); ++i) {
    const FileEntry& a = entries[i];
    const FileEntry& b = got[i];
    RC_ASSERT(a.name == b.name);
    RC_ASSERT(a.mode == b.mode);
    RC_ASSERT(a.size == b.size);
    RC_ASSERT(a.uid == b.uid);
    RC_ASSERT(a.gid == b.gid);
    RC_ASSERT(a.link_target == b.link_target);
    if (is_device(a.mode)) {
      RC_ASSERT(a.rdev_major == b.rdev_major);
      RC_ASSERT(a.rdev_minor == b.rdev_minor);
    }
    if (protocol >= 30) {
      RC_ASSERT(a.mtime == b.mtime);
    } else {
      RC_ASSERT(static_cast<uint32_t>(a.mtime) == static_cast<uint32_t>(b.mtime));
    }
  }
}

TEST(FlistEncoderTest, FlagsAreNeverZero) {
  // The first entry of a session shares nothing with the (empty) previous
  // one, so it can have no flag at all.
  FileEntry e;
  e.name = "f";
  e.mode = kModeReg | 0644;
  e.mtime = 5;
  // Byte flags: a non-directory gets TOP_DIR as a filler.
  FlistEncoder enc(opts_for(29, false));
  ByteWriter w;
  enc.put_entry(w, e, EntryRole{}, 0, 0);
  EXPECT_EQ(w.bytes()[0], wire::kXmitTopDir);
  // A directory cannot take that filler: EXTENDED_FLAGS and a zero high byte.
  FlistEncoder enc_dir(opts_for(29, false));
  ByteWriter wd;
  FileEntry d = e;
  d.mode = kModeDir | 0755;
  enc_dir.put_entry(wd, d, EntryRole{}, 0, 0);
  EXPECT_EQ(wd.bytes()[0], wire::kXmitExtendedFlags);
  EXPECT_EQ(wd.bytes()[1], 0);
  // Varint flags write EXTENDED_FLAGS instead of 0.
  FlistEncoder enc_v(opts_for(32, true));
  ByteWriter wv;
  EntryRole content;
  content.content_dir = true;
  enc_v.put_entry(wv, d, content, 0, 0);
  EXPECT_EQ(wv.bytes()[0], wire::kXmitExtendedFlags);
}

}  // namespace
}  // namespace crsync::flist
