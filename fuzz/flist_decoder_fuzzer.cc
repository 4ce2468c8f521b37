// Decodes arbitrary bytes as a file list; the first byte picks the options.
#include <vector>

#include "flist/flist_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace crsync;  // NOLINT
  if (size < 1) return 0;
  const uint8_t o = data[0];
  flist::FlistOptions opts;
  opts.protocol = 28 + o % 5;
  opts.varint_flags = o & 0x08;
  opts.safe_flist = o & 0x10;
  opts.preserve_uid = opts.preserve_gid = true;
  opts.preserve_links = true;
  opts.preserve_devices = opts.preserve_specials = o & 0x20;
  opts.preserve_hard_links = o & 0x40;
  opts.preserve_atimes = o & 0x80;
  opts.flist_csum_len = (o & 0x01) ? 16 : 0;
  flist::FlistDecoder d(opts);
  std::vector<flist::FileEntry> list;
  ByteReader r{ByteSpan(data + 1, size - 1)};
  flist::FlistDecoder::Item it;
  while (list.size() < 100000 && d.next(r, list, 1, &it).ok() && !it.end) list.push_back(it.entry);
  return 0;
}
