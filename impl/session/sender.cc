#include "session/sender.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <numeric>

#include "base/check.h"
#include "delta/matcher.h"
#include "delta/signature.h"
#include "delta/token_codec.h"
#include "flist/flist_sort.h"
#include "flist/id_list.h"
#include "fs/mapped_file.h"
#include "session/item_output.h"
#include "session/local_bridge.h"
#include "session/partial_dir.h"
#include "session/source_file.h"
#include "session/source_removal.h"
#include "wire/ndx_codec.h"
#include "wire/primitives.h"
#include "wire/protocol_format.h"

namespace crsync::session {
namespace {

// Writes plain tokens straight into the session output, in batches of at
// least 64 KiB: the pieces are appended to the output's buffer (literal
// data is copied once, from the file), and the output may flush only where
// a whole batch ends, so the frames are those a batch buffer would give.
class PlainTokenWriter : public delta::TokenSink {
 public:
  static constexpr size_t kBatch = 64 * 1024;

  explicit PlainTokenWriter(MuxOut& out) : out_(out) {}
  void token(ByteSpan literal, int32_t block) override {
    if (!status_.ok()) return;
    size_t off = 0;
    while (off < literal.size()) {
      const size_t n = std::min<size_t>(literal.size() - off, wire::kChunkSize);
      ByteWriter w;
      delta::put_literal_head(w, n);
      put(w);
      out_.append(literal.subspan(off, n));
      batched_ += n;
      off += n;
    }
    ByteWriter w;
    if (block >= 0)
      delta::put_block(w, block);
    else if (block == -1)
      delta::put_end(w);
    put(w);
    if (batched_ >= kBatch) (void)flush();
  }
  Status flush() {
    if (status_.ok() && batched_) status_ = out_.write(ByteSpan());
    batched_ = 0;
    return status_;
  }

 private:
  void put(const ByteWriter& w) {
    out_.append(ByteSpan(w.bytes()));
    batched_ += w.size();
  }
  MuxOut& out_;
  size_t batched_ = 0;
  Status status_;
};

}  // namespace

// A source file's name as upstream's full_fname shows it: its whole path,
// quoted.
std::string Sender::shown_path(const flist::SendEntry& se) {
  std::string p = se.local_path;
  if (p.empty() || p[0] != '/') {
    char cwd[wire::kMaxPathLen];
    if (::getcwd(cwd, sizeof cwd)) p = std::string(cwd) + "/" + p;
  }
  return "\"" + clean_path(p) + "\"";
}

Status Sender::read_ndx(int32_t* ndx) {
  return c_.in->decode([&](ByteReader& r) { return in_ndx_->get(r, ndx); });
}

void Sender::log_item(uint32_t iflags, const flist::SendEntry& se, const std::string& xname,
                      int64_t written, int64_t read, const std::string& sum_hex) {
  ItemExtras x;
  x.hlink = hlink_of(iflags, se.entry, xname);
  x.sender_dir = se.base_dir;
  x.data_written = written;
  x.data_read = read;
  x.checksum_hex = sum_hex;
  c_.output->info(item_text(c_, iflags, se.entry, x));
}

Status Sender::echo_attrs(int32_t ndx, uint16_t iflags, uint8_t type, const std::string& xname,
                          bool has_type, bool has_xname) {
  ByteWriter w;
  out_ndx_->put(w, ndx);
  if (c_.protocol() >= 29) {
    wire::put_int16(w, iflags);
    if (has_type) wire::put_byte(w, type);
    if (has_xname) CRSYNC_RETURN_IF_ERROR(wire::put_vstring(w, xname));
  }
  return c_.out->write(w);
}

Status Sender::handle_del_stats() {
  int32_t v[5];
  for (auto& x : v) CRSYNC_RETURN_IF_ERROR(c_.in->read_varint(&x));
  for (auto x : v)
    CRSYNC_PEER_CHECK(x >= 0 && x <= (1 << 28), ExitCode::kProtocol, "invalid delete statistics");
  c_.stats.deleted_dirs = v[1];
  c_.stats.deleted_symlinks = v[2];
  c_.stats.deleted_devices = v[3];
  c_.stats.deleted_specials = v[4];
  c_.stats.deleted_files = int64_t{v[0]} + v[1] + v[2] + v[3] + v[4];
  if (c_.am_server) {
    ByteWriter w;
    out_ndx_->put(w, wire::kNdxDelStats);
    for (auto x : v) wire::put_varint(w, x);
    CRSYNC_RETURN_IF_ERROR(c_.out->write(w));
  }
  return Status::Ok();
}

Status Sender::serve_requests() {
  const int proto = c_.protocol();
  int phase = 0;
  const int64_t list_base = c_.neg.inc_recurse ? 1 : 0;  // upstream's first flist_num
  int64_t cur_list = 0;                                  // upstream cur_flist (-1: none left)
  for (;;) {
    // (Reading flushes what this wrote: see the before-block hook.)
    if (c_.neg.inc_recurse && !flist_eof_)
      CRSYNC_RETURN_IF_ERROR(send_extra_file_lists(wire::kMinFilecntLookahead));
    int32_t ndx = 0;
    CRSYNC_RETURN_IF_ERROR(read_ndx(&ndx));
    if (ndx == wire::kNdxDone) {
      if (c_.progress && cur_list >= 0 && static_cast<size_t>(cur_list) < lists_.size()) {
        const SendList& l = lists_[static_cast<size_t>(cur_list)];
        c_.progress->at_list_done(l.ndx_start + static_cast<int64_t>(l.count) - 1 -
                                  (cur_list + list_base));
      }
      // Incremental recursion: each list's NDX_DONE but the last is echoed
      // without a phase change.
      if (c_.neg.inc_recurse && lists_freed_ < lists_.size()) {
        if (cur_list == static_cast<int64_t>(lists_freed_))
          cur_list = lists_freed_ + 1 < lists_.size() ? cur_list + 1 : -1;
        // The finished list is freed (upstream flist_free); the next one
        // becomes the current list and no longer counts as ahead.
        std::vector<bool>().swap(lists_[lists_freed_].sent);
        std::vector<flist::SendEntry>().swap(lists_[lists_freed_].entries);
        ++lists_freed_;
        if (lists_freed_ < lists_.size()) files_ahead_ -= lists_[lists_freed_].count;
        if (lists_freed_ < lists_.size()) {
          ByteWriter w;
          out_ndx_->put(w, wire::kNdxDone);
          CRSYNC_RETURN_IF_ERROR(c_.out->write(w));
          CRSYNC_RETURN_IF_ERROR(c_.out->flush());
          continue;
        }
      }
      if (++phase > c_.max_phase()) break;
      ByteWriter w;
      out_ndx_->put(w, wire::kNdxDone);
      CRSYNC_RETURN_IF_ERROR(c_.out->write(w));
      CRSYNC_RETURN_IF_ERROR(c_.out->flush());
      continue;
    }
    if (ndx == wire::kNdxDelStats && proto >= 31) {
      CRSYNC_RETURN_IF_ERROR(handle_del_stats());
      continue;
    }
    const Found found = ndx >= 0 ? find(ndx) : Found{};
    if (!found.entry) {
      const int64_t last =
          lists_.empty() ? -1
                         : lists_.back().ndx_start + static_cast<int64_t>(lists_.back().count) - 1;
      return Status::Error(ExitCode::kProtocol, "Invalid file index: " + std::to_string(ndx) +
                                                    " (" + std::to_string(wire::kNdxDone) + " - " +
                                                    std::to_string(last) + ") [sender]");
    }
    uint16_t iflags = wire::kItemTransfer;
    uint8_t type = wire::kFnamecmpFname;
    std::string xname;
    bool has_type = false, has_xname = false;
    if (proto >= 29) {
      CRSYNC_RETURN_IF_ERROR(c_.in->read_int16(&iflags));
      if (iflags & wire::kItemBasisTypeFollows) {
        has_type = true;
        CRSYNC_RETURN_IF_ERROR(c_.in->read_byte(&type));
      }
      if (iflags & wire::kItemXnameFollows) {
        has_xname = true;
        CRSYNC_RETURN_IF_ERROR(c_.in->decode(
            [&](ByteReader& r) { return wire::get_vstring(r, wire::kMaxPathLen, &xname); }));
      }
    }
    const flist::FileEntry& e = found.entry->entry;
    cur_list = static_cast<int64_t>(found.list_index);
    uint32_t full_iflags = iflags;
    if (proto < 29) full_iflags |= wire::kItemMissingData;
    if (!(iflags & wire::kItemTransfer)) {
      if (should_log_nontransfer(c_, full_iflags, e) || (c_.logs_items() && !xname.empty()))
        log_item(full_iflags, *found.entry, xname);
      count_created(c_.stats, iflags, e);
      CRSYNC_RETURN_IF_ERROR(echo_attrs(ndx, iflags, type, xname, has_type, has_xname));
      continue;
    }
    CRSYNC_PEER_CHECK(
        flist::is_reg(e.mode), ExitCode::kProtocol,
        "received request to transfer non-regular file: " + std::to_string(ndx) + " [sender]");
    CRSYNC_PEER_CHECK(phase < 2, ExitCode::kProtocol, "got transfer request in phase 2 [sender]");
    CRSYNC_PEER_CHECK(
        !found.dir_slot && found.pos < found.list->sent.size(), ExitCode::kProtocol,
        "transfer request for a finished file list: " + std::to_string(ndx) + " [sender]");
    const bool redo = found.list->sent[found.pos];
    if (!redo) count_created(c_.stats, iflags, e);
    ++c_.stats.xferred_files;
    c_.stats.total_transferred_size += e.size;
    if (c_.progress)
      c_.progress->set_file_index(ndx - static_cast<int64_t>(found.list_index) - list_base);
    if (c_.opts.dry_run) {
      if (c_.logs_items()) log_item(full_iflags, *found.entry);
      CRSYNC_RETURN_IF_ERROR(echo_attrs(ndx, iflags, type, xname, has_type, has_xname));
      continue;
    }
    CRSYNC_RETURN_IF_ERROR(
        send_one(*found.entry, ndx, iflags, type, xname, has_type, has_xname, redo));
    found.list->sent[found.pos] = true;
  }
  ByteWriter w;
  out_ndx_->put(w, wire::kNdxDone);
  CRSYNC_RETURN_IF_ERROR(c_.out->write(w));
  return c_.out->flush();
}

Status Sender::send_one(const flist::SendEntry& se, int32_t ndx, uint16_t iflags, uint8_t type,
                        const std::string& xname, bool has_type, bool has_xname, bool redo) {
  const int proto = c_.protocol();
  // A bridged file the receiver found shorter than it was: asked for again
  // now, reported as upstream reports the short read of its first pass.
  if (c_.opts.local_bridge) {
    if (const int err = c_.opts.local_bridge->take_short(ndx)) report_read_errors(se, err);
  }
  // %b/%c count this file's stream bytes from here (upstream
  // remember_initial_stats): the sums read, the data written.
  const uint64_t written_before = c_.out->data_written();
  const uint64_t read_before = c_.in->data_read();
  const int sum_len = checksum::digest_len(c_.neg.xfer_sum);
  // --append (not in the redo pass): the head gives the length the
  // receiver keeps, and no block sums follow (upstream receive_sums).
  const int append = redo ? 0 : c_.opts.append_mode(proto);
  delta::Signature sig;
  CRSYNC_RETURN_IF_ERROR(c_.in->decode(
      [&](ByteReader& r) { return delta::get_sum_head(r, proto, sum_len, &sig.head); }));
  int64_t append_len = -1;
  if (append > 0) {
    const checksum::SumHead& h = sig.head;
    append_len = int64_t{h.count} * h.blength - (h.remainder ? h.blength - h.remainder : 0);
    CRSYNC_PEER_CHECK(append_len >= 0, ExitCode::kProtocol, "invalid sum head for --append");
  } else {
    sig.sum1.resize(static_cast<size_t>(sig.head.count));
    sig.sum2.resize(static_cast<size_t>(sig.head.count) * static_cast<size_t>(sig.head.s2length));
    for (size_t b = 0; b < static_cast<size_t>(sig.head.count); ++b)
      CRSYNC_RETURN_IF_ERROR(
          c_.in->decode([&](ByteReader& r) { return delta::get_block_sums(r, &sig, b); }));
  }

  const int fd = ::open(se.local_path.c_str(),
                        O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (c_.opts.open_noatime ? O_NOATIME : 0));
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) {
      io_error_ |= static_cast<int32_t>(wire::kIoerrVanished);
      c_.output->warning("file has vanished: \"" + se.local_path + "\"\n");
    } else {
      io_error_ |= static_cast<int32_t>(wire::kIoerrGeneral);
      c_.output->error("rsync: [sender] send_files failed to open \"" + se.local_path +
                       "\": " + std::strerror(err) + " (" + std::to_string(err) + ")\n");
      c_.output->note_xfer_error();
    }
    if (proto >= 30) {
      ByteWriter m;
      wire::put_int32(m, ndx);
      CRSYNC_RETURN_IF_ERROR(c_.out->send_msg(wire::MsgCode::kNoSend, ByteSpan(m.bytes())));
    }
    return Status::Ok();
  }
  struct stat st {};
  ::fstat(fd, &st);
  if (append > 0 && st.st_size < se.entry.size) {
    // It shrank since it was listed: --append has nothing to add.
    ::close(fd);
    c_.output->warning("skipped diminished file: " + shown_path(se) + "\n");
    if (proto >= 30) {
      ByteWriter m;
      wire::put_int32(m, ndx);
      CRSYNC_RETURN_IF_ERROR(c_.out->send_msg(wire::MsgCode::kNoSend, ByteSpan(m.bytes())));
    }
    return Status::Ok();
  }
  // A local copy hands a large whole file to the receiver instead of
  // sending its bytes (session/local_bridge.h).
  const bool bridged = bridge_usable() && sig.head.count == 0 && append_len < 0 &&
                       st.st_size >= LocalBridge::kMinSize &&
                       c_.opts.local_bridge->offer(ndx, fd, st.st_size);
  SourceFile mf;
  Status ms = Status::Ok();
  if (!bridged) {
    ms = mf.open(fd, static_cast<size_t>(st.st_size), &small_file_buf_);
  }
  // The file is read while it is matched (SourceFile); closed on return.
  struct CloseAtEnd {
    int fd;
    ~CloseAtEnd() {
      if (fd >= 0) ::close(fd);
    }
  } close_at_end{bridged ? -1 : fd};
  CRSYNC_RETURN_IF_ERROR(ms);

  CRSYNC_RETURN_IF_ERROR(echo_attrs(ndx, iflags, type, xname, has_type, has_xname));
  ByteWriter head;
  delta::put_sum_head(head, sig.head, proto);
  CRSYNC_RETURN_IF_ERROR(c_.out->write(head));
  const uint32_t log_iflags = proto < 29 ? (iflags | wire::kItemMissingData) : iflags;
  const bool log_before = c_.opts.item_format.log_before_transfer;
  if (log_before && c_.logs_items())
    log_item(log_iflags, se);
  else if (!c_.am_server && c_.opts.info(Info::kName) >= 1 && c_.opts.info(Info::kProgress) == 1)
    c_.output->info(se.entry.name + "\n");

  checksum::BlockSummer summer(c_.neg.xfer_sum, c_.neg.seed, c_.neg.proper_seed_order);
  checksum::FileSum fsum(c_.neg.xfer_sum, c_.neg.seed);
  // --inplace: the receiver writes over its basis, so blocks behind the
  // write position must not be referenced. So does a receiver that
  // resumes from a partial-dir file (e.g. a .~tmp~ one of --delay-updates)
  // once CF_INPLACE_PARTIAL_DIR is agreed.
  delta::MatchOptions mo;
  mo.updating_basis_file = delta::sender_updates_basis_file(
      proto, c_.opts.inplace, (c_.neg.compat_flags & wire::kCfInplacePartialDir) != 0, type,
      c_.opts.making_backups() && !redo);
  mo.append_offset = append_len;
  mo.append_verify = append == 2;
  CRSYNC_PEER_CHECK(append_len <= static_cast<int64_t>(mf.size()), ExitCode::kProtocol,
                    "--append sum head beyond the file: " + se.entry.name);
  delta::MatchStats ms2;
  uint8_t digest[64] = {};
  int n = fsum.length();
  if (bridged) {
    // The token stream is just its end; the checksum a placeholder.
    PlainTokenWriter tw(*c_.out);
    tw.token({}, -1);
    CRSYNC_RETURN_IF_ERROR(tw.flush());
    ms2.literal = st.st_size;
    // What the literal tokens would have taken: the data, a 4-byte head per
    // 32 KiB chunk, and the checksum's own length is already counted.
    const auto chunks = (static_cast<uint64_t>(st.st_size) + wire::kChunkSize - 1) /
                        static_cast<uint64_t>(wire::kChunkSize);
    c_.out->count_unsent(static_cast<uint64_t>(st.st_size) + 4 * chunks);
  } else if (compressor_) {
    delta::CompressedTokenSink sink(*compressor_, [&](ByteSpan b) { return c_.out->write(b); });
    ProgressTokenSink ps(sink, c_.progress.get(), sig.head, se.entry.size);
    delta::SourceWindow src = mf.window();
    ms2 = delta::match_file(src, sig, summer, fsum, ps, mo);
    CRSYNC_RETURN_IF_ERROR(sink.finish());
  } else {
    PlainTokenWriter tw(*c_.out);
    ProgressTokenSink ps(tw, c_.progress.get(), sig.head, se.entry.size);
    delta::SourceWindow src = mf.window();
    ms2 = delta::match_file(src, sig, summer, fsum, ps, mo);
    CRSYNC_RETURN_IF_ERROR(tw.flush());
  }
  c_.stats.literal_data += ms2.literal;
  c_.stats.matched_data += ms2.matched;
  if (!bridged) n = fsum.finish(digest);
  // A file that could not be read whole (it shrank, or a read failed) was
  // sent padded with zeros; like upstream (match.c), the checksum is then
  // spoiled on purpose so that the receiver discards it and asks again:
  // all bits off, or the last byte 1 if the real sum was all zeros.
  const int read_status = mf.status();
  if (read_status) {
    const bool zero = std::all_of(digest, digest + n, [](uint8_t b) { return b == 0; });
    std::fill(digest, digest + n, uint8_t{0});
    if (zero && n > 0) digest[n - 1] = 1;
  }
  CRSYNC_RETURN_IF_ERROR(c_.out->write(ByteSpan(digest, static_cast<size_t>(n))));
  if (c_.progress) c_.progress->end(se.entry.size);
  if (!log_before && c_.logs_items())
    log_item(log_iflags, se, {}, static_cast<int64_t>(c_.out->data_written() - written_before),
             static_cast<int64_t>(c_.in->data_read() - read_before),
             checksum_hex(c_.neg.xfer_sum, digest, n));
  if (!c_.opts.transfer_log_format.empty()) {
    ItemExtras x;
    x.sender_dir = se.base_dir;
    x.data_written = static_cast<int64_t>(c_.out->data_written() - written_before);
    x.data_read = static_cast<int64_t>(c_.in->data_read() - read_before);
    x.checksum_hex = checksum_hex(c_.neg.xfer_sum, digest, n);
    log_transfer(c_, log_iflags, se.entry, x);
  }
  if (read_status) report_read_errors(se, read_status);
  return Status::Ok();
}

// upstream sender.c: "read errors mapping" when a file could not be read
// whole; the transfer ends with exit 23.
void Sender::report_read_errors(const flist::SendEntry& se, int err) {
  io_error_ |= static_cast<int32_t>(wire::kIoerrGeneral);
  c_.output->error("rsync: [sender] read errors mapping " + shown_path(se) + ": " +
                   std::strerror(err) + " (" + std::to_string(err) + ")\n");
  c_.output->note_xfer_error();
}

// Whether this session may hand whole files over the local bridge: a local
// copy without the things that need the bytes to pass through the pipe
// (compression, a bandwidth limit, progress lines while they pass, a %C
// checksum in an item line).
bool Sender::bridge_usable() const {
  const Options& o = c_.opts;
  return c_.local && o.local_bridge && !compressor_ && o.bwlimit == 0 && !c_.progress &&
         !format_shows_checksum(o.item_format.format) &&
         !format_shows_checksum(o.transfer_log_format);
}

Status Sender::write_stats() {
  const int proto = c_.protocol();
  ByteWriter w;
  wire::put_varlong30(w, static_cast<int64_t>(c_.in->total_read()), 3, proto);
  wire::put_varlong30(w, static_cast<int64_t>(c_.out->total_written()), 3, proto);
  wire::put_varlong30(w, c_.stats.total_size, 3, proto);
  if (proto >= 29) {
    wire::put_varlong30(w, c_.stats.flist_buildtime_ms, 3, proto);
    wire::put_varlong30(w, c_.stats.flist_xfertime_ms, 3, proto);
  }
  CRSYNC_RETURN_IF_ERROR(c_.out->write(w));
  return c_.out->flush();
}

Status Sender::read_final_goodbye() {
  const int proto = c_.protocol();
  if (proto < 29) {
    int32_t v = 0;
    CRSYNC_RETURN_IF_ERROR(c_.in->read_int32(&v));
    CRSYNC_PEER_CHECK(v == wire::kNdxDone, ExitCode::kProtocol, "Invalid packet at end of run");
    return Status::Ok();
  }
  for (int round = 0;; ++round) {
    int32_t ndx = 0;
    CRSYNC_RETURN_IF_ERROR(read_ndx(&ndx));
    while (ndx == wire::kNdxDelStats) {
      CRSYNC_RETURN_IF_ERROR(handle_del_stats());
      CRSYNC_RETURN_IF_ERROR(read_ndx(&ndx));
    }
    CRSYNC_PEER_CHECK(ndx == wire::kNdxDone, ExitCode::kProtocol,
                      "Invalid packet at end of run [sender]");
    if (proto >= 31 && round == 0) {
      ByteWriter w;
      out_ndx_->put(w, wire::kNdxDone);
      CRSYNC_RETURN_IF_ERROR(c_.out->write(w));
      CRSYNC_RETURN_IF_ERROR(c_.out->flush());
      continue;
    }
    return Status::Ok();
  }
}

Status Sender::run() {
  // A client refuses the receiving options upstream's option parsing
  // refuses, whichever side receives.
  if (!c_.am_server) {
    if (const std::string err = c_.opts.receiving_option_error(); !err.empty()) {
      c_.output->error("rsync: " + err + "\n");
      return Status::Error(ExitCode::kSyntax, "");
    }
  }
  const bool stored = c_.opts.dont_compress_all && (c_.neg.compress == wire::CompressType::kZlib ||
                                                    c_.neg.compress == wire::CompressType::kZlibx);
  const int level = stored ? delta::kCompressLevelStored : compress_level(c_.opts);
  const delta::CompressionSetting cs = delta::resolve_compression(c_.neg.compress, level);
  if (cs.type != wire::CompressType::kNone)
    compressor_ = std::make_unique<delta::CompressedTokenWriter>(cs.type, level, c_.protocol());
  c_.in->set_before_block([&c = c_] { (void)c.out->flush(); });
  wire::NdxDecoder in_ndx(c_.protocol());
  wire::NdxEncoder out_ndx(c_.protocol());
  in_ndx_ = &in_ndx;
  out_ndx_ = &out_ndx;
  // The hook refers to this sender: it goes when the role ends.
  struct HookGuard {
    Context& c;
    ~HookGuard() { c.on_success = nullptr; }
  } hook_guard{c_};
  if (c_.opts.remove_source_files) {
    c_.on_success = [this](ByteSpan payload) -> Status {
      int32_t ndx = 0;
      DestIdentity dest;
      CRSYNC_PEER_CHECK(parse_success_payload(payload, &ndx, &dest), ExitCode::kStreamIo,
                        "invalid MSG_SUCCESS");
      const Found f = ndx >= 0 ? find(ndx) : Found{};
      CRSYNC_PEER_CHECK(f.entry != nullptr, ExitCode::kProtocol,
                        "Invalid file index: " + std::to_string(ndx) + " [sender successful_send]");
      remove_sent_file(c_, *f.entry, dest);
      return Status::Ok();
    };
  }
  const bool empty = entries_.empty();
  CRSYNC_RETURN_IF_ERROR(send_file_list());
  if (empty && c_.am_server) {
    ended_early_ = true;
    return Status::Ok();
  }
  CRSYNC_RETURN_IF_ERROR(serve_requests());
  if (c_.am_server) CRSYNC_RETURN_IF_ERROR(write_stats());
  return read_final_goodbye();
}

}  // namespace crsync::session
