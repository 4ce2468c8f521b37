#include "session/context.h"

#include "delta/compressed_token.h"

#include "wire/protocol_format.h"

namespace crsync::session {

flist::FlistOptions flist_options(const Context& c) {
  flist::FlistOptions fo;
  fo.protocol = c.protocol();
  fo.varint_flags = c.neg.varint_flist_flags;
  fo.safe_flist = c.neg.safe_flist;
  fo.preserve_uid = c.opts.preserve_uid;
  fo.preserve_gid = c.opts.preserve_gid;
  fo.preserve_links = c.opts.preserve_links;
  fo.preserve_devices = c.opts.preserve_devices;
  fo.preserve_specials = c.opts.preserve_specials;
  fo.preserve_hard_links = c.opts.preserve_hard_links;
  fo.preserve_atimes = c.opts.preserve_atimes;
  fo.relative_paths = c.opts.relative;
  fo.flist_csum_len = c.opts.always_checksum ? checksum::digest_len(c.neg.file_sum, true) : 0;
  return fo;
}

int compress_level(const Options& o) {
  return o.compress_level == Options::kLevelNotGiven ? delta::kCompressLevelNotSpecified
                                                     : o.compress_level;
}

void count_created(TransferStats& s, uint32_t iflags, const flist::FileEntry& e) {
  if (!(iflags & wire::kItemIsNew)) return;
  ++s.created_files;
  if (flist::is_dir(e.mode))
    ++s.created_dirs;
  else if (flist::is_lnk(e.mode))
    ++s.created_symlinks;
  else if (flist::is_device(e.mode))
    ++s.created_devices;
  else if (flist::is_special(e.mode))
    ++s.created_specials;
}

bool item_is_significant(uint32_t iflags) {
  const uint32_t insignificant =
      wire::kItemBasisTypeFollows | wire::kItemXnameFollows | wire::kItemLocalChange;
  return (iflags & 0xFFFF & ~insignificant) != 0;
}

bool should_log_nontransfer(const Context& c, uint32_t iflags, const flist::FileEntry& e) {
  if (!c.logs_items()) return false;
  const bool significant = item_is_significant(iflags);
  const int has_i = c.opts.item_format.has_i;
  const bool see_item =
      has_i && (significant || has_i > 1 || (c.opts.info(Info::kName) >= 2 && has_i));
  const bool local_change = (iflags & wire::kItemLocalChange) && significant;
  return see_item || local_change || (flist::is_dir(e.mode) && significant);
}

}  // namespace crsync::session
