#include "session/item_output.h"

#include <unistd.h>

#include <ctime>
#include <vector>

#include "session/out_format.h"
#include "wire/protocol_format.h"

namespace crsync::session {
namespace {

// A receiver that is not root can only give files its own groups
// (upstream FLAG_SKIP_GROUP): %G shows "DEFAULT" for the others.
bool group_is_ours(uint32_t gid) {
  if (::geteuid() == 0 || ::getegid() == gid) return true;
  const int n = ::getgroups(0, nullptr);
  if (n <= 0) return false;
  std::vector<gid_t> groups(static_cast<size_t>(n));
  const int got = ::getgroups(n, groups.data());
  for (int i = 0; i < got; ++i)
    if (groups[static_cast<size_t>(i)] == gid) return true;
  return false;
}

}  // namespace

std::string checksum_hex(checksum::ChecksumType t, const uint8_t* sum, int len) {
  using checksum::ChecksumType;
  int order = 0;  // -1: as stored, 1: reversed
  switch (t) {
    case ChecksumType::kMd4:
    case ChecksumType::kMd5:
    case ChecksumType::kSha1:
    case ChecksumType::kSha256:
    case ChecksumType::kSha512: order = -1; break;
    case ChecksumType::kXxh64:
    case ChecksumType::kXxh3_64:
    case ChecksumType::kXxh3_128: order = 1; break;
    default: return {};
  }
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = len; --i >= 0;) {
    const uint8_t b = sum[order < 0 ? len - i - 1 : i];
    out += kHex[b >> 4];
    out += kHex[b & 0xF];
  }
  return out;
}

std::string item_text(const Context& c, uint32_t iflags, const flist::FileEntry& e,
                      const ItemExtras& x) {
  const Options& o = c.opts;
  FormatItem it;
  it.file = &e;
  it.iflags = iflags;
  it.op = c.am_sender ? "send" : "recv";
  it.hlink = x.hlink;
  it.am_sender = c.am_sender;
  it.sender_dir = x.sender_dir;
  it.itemize = c.itemize_context();
  it.data_written = x.data_written;
  it.data_read = x.data_read;
  it.uid_kept = o.preserve_uid;
  it.gid_kept = o.preserve_gid && (c.am_sender || group_is_ours(e.gid));
  const checksum::ChecksumType sum_type = o.always_checksum ? c.neg.file_sum : c.neg.xfer_sum;
  it.checksum_len = checksum::digest_len(sum_type, o.always_checksum);
  if (flist::is_reg(e.mode)) {
    if (o.always_checksum && !e.checksum.empty())
      it.checksum_hex = checksum_hex(sum_type, e.checksum.data(), it.checksum_len);
    else if (iflags & wire::kItemTransfer)
      it.checksum_hex = x.checksum_hex;
  }
  it.pid = static_cast<long>(::getpid());
  it.now = std::time(nullptr);
  return format_item(o.item_format.format, it);
}

void log_transfer(const Context& c, uint32_t iflags, const flist::FileEntry& e, const ItemExtras& x,
                  const std::string* deleted_name) {
  const Options& o = c.opts;
  if (o.transfer_log_format.empty() || !o.transfer_log || o.dry_run) return;
  FormatItem it;
  it.file = &e;
  it.fname = deleted_name;
  it.iflags = deleted_name ? wire::kItemDeleted : iflags;
  it.op = deleted_name ? "del." : c.am_sender ? "send" : "recv";
  it.hlink = x.hlink;
  it.am_sender = c.am_sender;
  it.sender_dir = x.sender_dir;
  it.daemon_dir = o.daemon_dest_dir;
  it.itemize = c.itemize_context();
  it.data_written = x.data_written;
  it.data_read = x.data_read;
  it.uid_kept = o.preserve_uid;
  it.gid_kept = o.preserve_gid && (c.am_sender || group_is_ours(e.gid));
  it.checksum_hex = x.checksum_hex;
  it.pid = static_cast<long>(::getpid());
  it.now = std::time(nullptr);
  const std::string& f = o.transfer_log_format;
  const bool o_or_i = format_has(f, 'o') || format_has(f, 'i');
  o.transfer_log(format_item(deleted_name && !o_or_i ? std::string("deleting %n") : f, it));
}

std::string_view hlink_of(uint32_t iflags, const flist::FileEntry& e, std::string_view xname) {
  if (xname.empty() || flist::is_lnk(e.mode) || !(iflags & wire::kItemXnameFollows) ||
      !(iflags & wire::kItemLocalChange))
    return {};
  return xname;
}

std::string delete_text(const Context& c, const std::string& name, uint32_t mode) {
  const ItemFormat& f = c.opts.item_format;
  if (c.opts.info(Info::kDel) < 1 && f.format.empty()) return {};
  flist::FileEntry e;
  e.mode = mode;
  FormatItem it;
  it.file = &e;
  it.fname = &name;
  it.iflags = wire::kItemDeleted;
  it.op = "del.";
  it.am_sender = c.am_sender;
  it.itemize = c.itemize_context();
  it.pid = static_cast<long>(::getpid());
  it.now = std::time(nullptr);
  return format_item(f.has_o_or_i ? f.format : std::string("deleting %n"), it);
}

bool gen_logs_item(const Context& c, uint32_t iflags, const flist::FileEntry& e, bool created) {
  if (!c.logs_items()) return false;
  if (c.opts.item_format.has_i) return gen_reports_item(c, iflags);
  if (c.opts.info(Info::kName) < 1) return false;
  return created || should_log_nontransfer(c, iflags, e);
}

bool gen_reports_item(const Context& c, uint32_t iflags) {
  return item_is_significant(iflags) || c.opts.info(Info::kName) >= 2 ||
         c.opts.item_format.has_i > 1;
}

}  // namespace crsync::session
