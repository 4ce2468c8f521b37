#include "pcap/transfer_dissector.h"

#include <cstdio>

#include "wire/primitives.h"
#include "wire/protocol_format.h"

namespace crsync::pcap {
namespace {

std::string iflag_names(uint16_t f) {
  static const struct {
    uint32_t bit;
    const char* name;
  } kNames[] = {
      {wire::kItemReportAtime, "REPORT_ATIME"},
      {wire::kItemReportChange, "REPORT_CHANGE"},
      {wire::kItemReportSize, "REPORT_SIZE"},
      {wire::kItemReportTime, "REPORT_TIME"},
      {wire::kItemReportPerms, "REPORT_PERMS"},
      {wire::kItemReportOwner, "REPORT_OWNER"},
      {wire::kItemReportGroup, "REPORT_GROUP"},
      {wire::kItemReportAcl, "REPORT_ACL"},
      {wire::kItemReportXattr, "REPORT_XATTR"},
      {wire::kItemReportCrtime, "REPORT_CRTIME"},
      {wire::kItemBasisTypeFollows, "BASIS_TYPE_FOLLOWS"},
      {wire::kItemXnameFollows, "XNAME_FOLLOWS"},
      {wire::kItemIsNew, "IS_NEW"},
      {wire::kItemLocalChange, "LOCAL_CHANGE"},
      {wire::kItemTransfer, "TRANSFER"},
  };
  std::string s;
  for (const auto& n : kNames) {
    if (!(f & n.bit)) continue;
    if (!s.empty()) s += "|";
    s += n.name;
  }
  return s.empty() ? "0" : s;
}

std::string hex16(uint16_t v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%04x", v);
  return buf;
}

// The failing element starts after the last one reported.
void report_failure(StreamCursor& c, const Status& st) {
  if (st.ok() || (!c.out->empty() && c.out->back().undecoded)) return;
  const size_t from = c.out->empty() ? 0 : c.out->back().data_offset + c.out->back().data_length;
  if (from < c.r.size()) c.undecoded(from, st);
}

}  // namespace

TransferDissector::TransferDissector(const SessionFacts& f) : facts_(f), lists_(f), tokens_(f) {}

std::string TransferDissector::name_of(int32_t ndx) const {
  const flist::FileEntry* e = lists_.index().find(ndx);
  return e ? e->name : std::string();
}

Status TransferDissector::filter_list(StreamCursor& c) {
  for (int64_t i = 0;; ++i) {
    const size_t start = c.r.pos();
    int32_t len = 0;
    CRSYNC_RETURN_IF_ERROR(wire::get_int32(c.r, &len));
    if (len == 0) {
      c.emit("filter list end", start);
      return Status::Ok();
    }
    if (len < 0 || len >= wire::kBigPathBufLen)
      return Status::Protocol("invalid filter rule length");
    ByteSpan rule;
    CRSYNC_RETURN_IF_ERROR(c.r.take(static_cast<size_t>(len), &rule));
    c.emit("filter rule", start, i).add("rule", std::string(as_chars(rule)));
  }
}

Status TransferDissector::deletion_stats(StreamCursor& c, size_t start) {
  static const char* kNames[] = {"files", "dirs", "symlinks", "devices", "specials"};
  std::vector<int32_t> v(5);
  for (int32_t& x : v) CRSYNC_RETURN_IF_ERROR(wire::get_varint(c.r, &x));
  Element& e = c.emit("deletion stats", start);
  for (size_t i = 0; i < v.size(); ++i) e.add(kNames[i], std::to_string(v[i]));
  return Status::Ok();
}

Status TransferDissector::stats(StreamCursor& c) {
  struct Stat {
    const char* name;
    Mask mask;
  };
  static const Stat kStats[] = {{"total_read", Mask::kStatsFraming},
                                {"total_written", Mask::kStatsFraming},
                                {"total_size", Mask::kNone},
                                {"flist_buildtime", Mask::kStatsTime},
                                {"flist_xfertime", Mask::kStatsTime}};
  const size_t n = facts_.protocol >= 29 ? 5 : 3;
  for (size_t i = 0; i < n; ++i) {
    const size_t start = c.r.pos();
    int64_t v = 0;
    CRSYNC_RETURN_IF_ERROR(wire::get_varlong30(c.r, 3, facts_.protocol, &v));
    Element& e = c.emit("stats", start);
    e.subject = kStats[i].name;
    e.mask = kStats[i].mask;
    e.add(kStats[i].name, std::to_string(v));
  }
  return Status::Ok();
}

Status TransferDissector::item(StreamCursor& c, int32_t ndx, size_t start, Role role) {
  const std::string name = name_of(ndx);
  Element& e = c.emit("ndx", start);
  e.subject = name;
  e.add("ndx", std::to_string(ndx));
  uint16_t iflags = wire::kItemTransfer;
  if (facts_.protocol >= 29) {
    const size_t s = c.r.pos();
    CRSYNC_RETURN_IF_ERROR(wire::get_int16(c.r, &iflags));
    Element& f = c.emit("iflags", s);
    f.subject = name;
    f.add("iflags", hex16(iflags));
    f.add("meaning", iflag_names(iflags));
  }
  if (iflags & wire::kItemBasisTypeFollows) {
    const size_t s = c.r.pos();
    uint8_t type = 0;
    CRSYNC_RETURN_IF_ERROR(wire::get_byte(c.r, &type));
    c.emit("basis type", s).add("fnamecmp_type", std::to_string(type)).subject = name;
  }
  if (iflags & wire::kItemXnameFollows) {
    const size_t s = c.r.pos();
    std::string xname;
    CRSYNC_RETURN_IF_ERROR(wire::get_vstring(c.r, wire::kMaxPathLen, &xname));
    c.emit("xname", s).add("xname", xname).subject = name;
  }
  if (!(iflags & wire::kItemTransfer) || facts_.dry_run) return Status::Ok();
  SumHeadValues head;
  CRSYNC_RETURN_IF_ERROR(read_sum_head(c, facts_, name, &head));
  if (role == Role::kReceiver) return read_block_sums(c, head, name);
  return tokens_.read_file(c, head, name);
}

Status TransferDissector::sender_body(StreamCursor& c, bool filters_first, bool sends_stats) {
  if (filters_first) CRSYNC_RETURN_IF_ERROR(filter_list(c));
  CRSYNC_RETURN_IF_ERROR(lists_.read_list(c));
  if (lists_.has_id_lists()) CRSYNC_RETURN_IF_ERROR(lists_.read_id_lists(c));
  if (facts_.protocol < 30) {
    const size_t s = c.r.pos();
    int32_t io_error = 0;
    CRSYNC_RETURN_IF_ERROR(wire::get_int32(c.r, &io_error));
    c.emit("io_error", s).add("io_error", std::to_string(io_error));
  }
  // upstream send_files: under inc_recurse each NDX_DONE retires one list
  // (echoed) until the last; then one per phase, and a final one.
  const int max_phase = facts_.protocol >= 29 ? 2 : 1;
  wire::NdxDecoder nd(facts_.protocol);
  int dones = 0;
  bool finished = false;
  while (!finished && !c.r.empty()) {
    const size_t start = c.r.pos();
    int32_t ndx = 0;
    CRSYNC_RETURN_IF_ERROR(nd.get(c.r, &ndx));
    if (ndx == wire::kNdxDone) {
      ++dones;
      const int retire = facts_.inc_recurse ? static_cast<int>(lists_.index().lists()) - 1 : 0;
      Element& e = c.emit("ndx", start);
      e.subject = "NDX_DONE";
      if (dones <= retire) {
        e.add("meaning", "list " + std::to_string(dones - 1) + " done");
      } else if (dones - retire <= max_phase) {
        e.add("meaning", "phase " + std::to_string(dones - retire) + " begins");
      } else {
        e.add("meaning", "transfer done");
        finished = true;
      }
    } else if (ndx == wire::kNdxFlistEof) {
      c.emit("ndx", start).subject = "NDX_FLIST_EOF";
    } else if (ndx == wire::kNdxDelStats) {
      c.emit("ndx", start).subject = "NDX_DEL_STATS";
      CRSYNC_RETURN_IF_ERROR(deletion_stats(c, c.r.pos()));
    } else if (ndx <= wire::kNdxFlistOffset) {
      Element& e = c.emit("ndx", start);
      e.subject = "NDX_FLIST_OFFSET";
      e.add("dir_ndx", std::to_string(wire::kNdxFlistOffset - ndx));
      CRSYNC_RETURN_IF_ERROR(lists_.read_list(c));
    } else if (ndx >= 0) {
      CRSYNC_RETURN_IF_ERROR(item(c, ndx, start, Role::kSender));
    } else {
      return Status::Protocol("invalid ndx " + std::to_string(ndx));
    }
  }
  if (sends_stats && !c.r.empty()) CRSYNC_RETURN_IF_ERROR(stats(c));
  while (!c.r.empty()) {
    const size_t start = c.r.pos();
    int32_t ndx = 0;
    CRSYNC_RETURN_IF_ERROR(nd.get(c.r, &ndx));
    if (ndx == wire::kNdxDone) {
      c.emit("ndx", start).add("meaning", "goodbye").subject = "NDX_DONE";
    } else if (ndx == wire::kNdxDelStats) {
      c.emit("ndx", start).subject = "NDX_DEL_STATS";
      CRSYNC_RETURN_IF_ERROR(deletion_stats(c, c.r.pos()));
    } else {
      return Status::Protocol("unexpected ndx " + std::to_string(ndx) + " after the transfer");
    }
  }
  return Status::Ok();
}

Status TransferDissector::receiver_body(StreamCursor& c, bool filters_first) {
  if (filters_first) CRSYNC_RETURN_IF_ERROR(filter_list(c));
  wire::NdxDecoder nd(facts_.protocol);
  int dones = 0;
  while (!c.r.empty()) {
    const size_t start = c.r.pos();
    int32_t ndx = 0;
    CRSYNC_RETURN_IF_ERROR(nd.get(c.r, &ndx));
    if (ndx == wire::kNdxDone) {
      c.emit("ndx", start).add("count", std::to_string(++dones)).subject = "NDX_DONE";
    } else if (ndx == wire::kNdxDelStats) {
      c.emit("ndx", start).subject = "NDX_DEL_STATS";
      CRSYNC_RETURN_IF_ERROR(deletion_stats(c, c.r.pos()));
    } else if (ndx >= 0) {
      CRSYNC_RETURN_IF_ERROR(item(c, ndx, start, Role::kReceiver));
    } else {
      return Status::Protocol("invalid ndx " + std::to_string(ndx) + " from the receiving side");
    }
  }
  return Status::Ok();
}

void TransferDissector::dissect_sender(StreamCursor& c, bool filters_first, bool sends_stats) {
  report_failure(c, sender_body(c, filters_first, sends_stats));
}

void TransferDissector::dissect_receiver(StreamCursor& c, bool filters_first) {
  report_failure(c, receiver_body(c, filters_first));
}

}  // namespace crsync::pcap
