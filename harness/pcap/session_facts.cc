#include "pcap/session_facts.h"

#include <cstdlib>
#include <string_view>

#include "wire/protocol_format.h"

namespace crsync::pcap {
namespace {

bool starts_with(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

// The value of "--name=value" when `a` is that option.
bool option_value(std::string_view a, std::string_view name, std::string_view* value) {
  if (!starts_with(a, name) || a.size() <= name.size() || a[name.size()] != '=') return false;
  *value = a.substr(name.size() + 1);
  return true;
}

void apply_short_cluster(std::string_view letters, SessionFacts* f) {
  for (char c : letters) {
    switch (c) {
      case 'l': f->preserve_links = true; break;
      case 'o': f->preserve_uid = true; break;
      case 'g': f->preserve_gid = true; break;
      case 'D': f->preserve_devices = f->preserve_specials = true; break;
      case 'H': f->preserve_hard_links = true; break;
      case 'c': f->always_checksum = true; break;
      case 'n': f->dry_run = true; break;
      case 'z': f->compress = true; break;
      case 'R': f->relative = true; break;
      case 'r': f->recursive = true; break;
      case 'm': f->prune_empty_dirs = true; break;
      case 'U': f->preserve_atimes = true; break;
      case 'N': f->preserve_crtimes = true; break;
      case 'A': f->preserve_acls = true; break;
      case 'X': f->preserve_xattrs = true; break;
      default: break;
    }
  }
}

}  // namespace

bool SessionFacts::client_sends_filters() const {
  if (server_sender) return true;
  return prune_empty_dirs || (delete_mode && (!delete_excluded || protocol >= 29));
}

flist::FlistOptions SessionFacts::flist_options() const {
  flist::FlistOptions o;
  o.protocol = protocol;
  o.varint_flags = compat_flags & wire::kCfVarintFlistFlags;
  o.safe_flist = (compat_flags & wire::kCfSafeFlist) || protocol >= 31;
  o.preserve_uid = preserve_uid;
  o.preserve_gid = preserve_gid;
  o.preserve_links = preserve_links;
  o.preserve_devices = preserve_devices;
  o.preserve_specials = preserve_specials;
  o.preserve_hard_links = preserve_hard_links;
  o.preserve_atimes = preserve_atimes;
  o.preserve_crtimes = preserve_crtimes;
  o.preserve_acls = preserve_acls;
  o.preserve_xattrs = preserve_xattrs;
  o.relative_paths = relative;
  o.flist_csum_len = always_checksum ? flist_csum_len : 0;
  return o;
}

std::string SessionFacts::summary() const {
  std::string s = "protocol " + std::to_string(protocol);
  if (listing) return s + ", module listing";
  if (refused) return s + ", refused";
  s += server_sender ? ", pull (server sends)" : ", push (client sends)";
  if (inc_recurse) s += ", inc_recurse";
  if (dry_run) s += ", dry run";
  if (list_only) s += ", list only";
  s += ", checksum " + std::string(checksum::checksum_name(xfer_sum)) + " (" +
       std::to_string(xfer_sum_len) + " bytes)";
  if (compress) s += ", compress " + std::string(wire::compress_name(compress_type));
  s += seed_pinned ? ", seed pinned" : ", seed not pinned";
  return s;
}

Status derive_session_facts(const DaemonText& text, const BinaryPrologue& pro, SessionFacts* out) {
  SessionFacts& f = *out;
  f.protocol = text.protocol;
  f.listing = text.listing;
  f.refused = text.refused;
  f.compat_flags = pro.compat_flags;
  f.inc_recurse = pro.compat_flags & wire::kCfIncRecurse;
  f.mux_c2s = text.protocol >= 30;
  f.seed = pro.seed;
  std::string_view checksum_choice, compress_choice;
  for (const std::string& arg : text.args) {
    std::string_view a = arg, v;
    if (a == "--sender") f.server_sender = true;
    if (a == "--list-only") f.list_only = true;
    if (a == "--numeric-ids") f.numeric_ids = true;
    if (a == "--devices") f.preserve_devices = true;
    if (a == "--specials") f.preserve_specials = true;
    if (a == "--delete-excluded") f.delete_excluded = true;
    if (starts_with(a, "--delete")) f.delete_mode = true;
    if (a == "--compress" || starts_with(a, "--compress-level")) f.compress = true;
    if (a == "--old-compress") compress_choice = "zlib";
    if (a == "--new-compress") compress_choice = "zlibx";
    if (option_value(a, "--checksum-seed", &v)) {
      f.seed_pinned = true;
    }
    if (option_value(a, "--checksum-choice", &v) || option_value(a, "--cc", &v))
      checksum_choice = v;
    if (option_value(a, "--compress-choice", &v) || option_value(a, "--zc", &v))
      compress_choice = v;
    if (a.size() > 1 && a[0] == '-' && a[1] != '-') {
      const size_t e = a.find('e');
      apply_short_cluster(a.substr(1, e == std::string_view::npos ? a.npos : e - 1), &f);
    }
  }
  if (!compress_choice.empty()) f.compress = true;
  if (f.delete_excluded) f.delete_mode = true;

  // The transfer checksum: pinned, negotiated, or implied by the protocol.
  std::string xfer_name, file_name;
  if (!checksum_choice.empty()) {
    const size_t comma = checksum_choice.find(',');
    xfer_name = std::string(checksum_choice.substr(0, comma));
    file_name = comma == std::string_view::npos ? xfer_name
                                                : std::string(checksum_choice.substr(comma + 1));
  } else if (pro.checksum_lists) {
    auto chosen = wire::negotiate_names(wire::NameKind::kChecksum, pro.client_checksum_list,
                                        pro.server_checksum_list);
    if (!chosen.ok()) return chosen.status();
    xfer_name = file_name = *chosen;
  }
  if (xfer_name.empty()) {
    f.xfer_sum = wire::implied_checksum(f.protocol);
  } else {
    auto t = checksum::checksum_by_name(xfer_name);
    if (!t) return Status::Protocol("unknown checksum name " + xfer_name);
    f.xfer_sum = *t;
    if (*t == checksum::ChecksumType::kMd4 && f.protocol < 30)
      f.xfer_sum = wire::implied_checksum(f.protocol);
  }
  checksum::ChecksumType file_sum = f.xfer_sum;
  if (!file_name.empty() && file_name != xfer_name) {
    auto t = checksum::checksum_by_name(file_name);
    if (!t) return Status::Protocol("unknown checksum name " + file_name);
    file_sum = *t;
  }
  f.xfer_sum_len = checksum::digest_len(f.xfer_sum);
  f.flist_csum_len = checksum::digest_len(file_sum, true);

  if (f.compress) {
    std::string name = std::string(compress_choice);
    if (name.empty() && pro.compress_lists) {
      auto chosen = wire::negotiate_names(wire::NameKind::kCompress, pro.client_compress_list,
                                          pro.server_compress_list);
      if (!chosen.ok()) return chosen.status();
      name = *chosen;
    }
    if (name.empty()) name = "zlib";
    auto t = wire::compress_by_name(name);
    if (!t) return Status::Protocol("unknown compression name " + name);
    f.compress_type = *t;
    if (*t == wire::CompressType::kNone) f.compress = false;
  }
  return Status::Ok();
}

}  // namespace crsync::pcap
