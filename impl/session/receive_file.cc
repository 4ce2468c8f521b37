// The receiver's handling of one file (upstream receiver.c receive_data,
// recv_files' per-file part): the token stream read (or discarded), the
// blocks shown to the decompressor, a bridged file's copy, and the file
// built from its basis and put in place.
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>
#include <set>
#include <thread>
#include "base/check.h"
#include "delta/signature.h"
#include "delta/token_codec.h"
#include "flist/flist_decoder.h"
#include "flist/flist_sort.h"
#include "flist/id_list.h"
#include "fs/read_at.h"
#include "fs/write_behind.h"
#include "session/local_bridge.h"
#include "session/receiving.h"
#include "session/receiving_internal.h"
#include "wire/ndx_codec.h"
#include "wire/primitives.h"
#include "wire/protocol_format.h"

namespace crsync::session {

using flist::FileEntry;
using receiving_internal::Basis;
using receiving_internal::errno_text;
using receiving_internal::tmp_name_for;

Status ReceivingSide::discard_file_data() {
  checksum::SumHead h;
  CRSYNC_RETURN_IF_ERROR(c_.in->decode([&](ByteReader& r) {
    return delta::get_sum_head(r, c_.protocol(), checksum::digest_len(c_.neg.xfer_sum), &h);
  }));
  return discard_tokens(h);
}

Status ReceivingSide::read_token(const checksum::SumHead& h, delta::Token* t,
                                 const std::function<void(const delta::Token&)>& on_literal) {
  return c_.in->decode([&](ByteReader& r) {
    Status s = decompressor_ ? decompressor_->get(r, h.count, t) : delta::get_token(r, h.count, t);
    if (s.ok() && t->kind == delta::Token::Kind::kLiteral && on_literal) on_literal(*t);
    return s;
  });
}

Status ReceivingSide::see_block(const checksum::SumHead& h, int32_t block, ByteSpan bytes) {
  if (!decompressor_ || decompressor_->type() != wire::CompressType::kZlib) return Status::Ok();
  if (!bytes.empty()) return decompressor_->see_block(bytes);
  const size_t len = (block == h.count - 1 && h.remainder) ? static_cast<size_t>(h.remainder)
                                                           : static_cast<size_t>(h.blength);
  const Bytes zeros(len, 0);
  return decompressor_->see_block(ByteSpan(zeros));
}

Status ReceivingSide::discard_tokens(const checksum::SumHead& h) {
  for (;;) {
    delta::Token t;
    CRSYNC_RETURN_IF_ERROR(read_token(h, &t, nullptr));
    if (t.kind == delta::Token::Kind::kEnd) break;
    if (t.kind == delta::Token::Kind::kBlock) CRSYNC_RETURN_IF_ERROR(see_block(h, t.block, {}));
  }
  uint8_t sum[64];
  return c_.in->read_bytes(sum, static_cast<size_t>(checksum::digest_len(c_.neg.xfer_sum)));
}

// The bytes of a bridged file: `size` bytes from the sender's descriptor
// into `out_fd` (none when it could not be opened), by copy_file_range when
// the kernel can, else read into `buf` and flushed (-S looks at the bytes).
// A source that shrank is padded with zeros to `size`, as upstream's
// sender pads a file that ends early, and the answer is then ENODATA (the
// errno of a failed read, if one failed), else 0; the caller treats the file
// as upstream's receiver treats the spoiled checksum its sender sends then.
// A write failure is left in `ws`.
int ReceivingSide::copy_bridged(int src, uint64_t size, bool sparse, int out_fd,
                                const std::string& rel, Bytes& buf,
                                const std::function<void()>& flush, uint64_t& out_off, Status& ws) {
  constexpr size_t kStep = size_t{8} << 20;
  int read_status = 0;
  off_t src_off = 0;
  bool kernel = !sparse;
  Bytes piece;
  while (out_off < size && out_fd >= 0 && ws.ok()) {
    const auto n = static_cast<size_t>(std::min<uint64_t>(size - out_off, kStep));
    if (kernel) {
      const ssize_t k = ::copy_file_range(src, &src_off, out_fd, nullptr, n, 0);
      if (k > 0) {
        out_off += static_cast<uint64_t>(k);
        flush();  // nothing buffered: starts write-back (fs/write_behind.h)
        continue;
      }
      if (k == 0) {
        read_status = ENODATA;
        break;
      }
      if (errno == EINTR) continue;
      if (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP) {
        kernel = false;
        continue;
      }
      ws =
          Status::Error(ExitCode::kFileIo, "write failed on \"" + rel + "\": " + errno_text(errno));
      break;
    }
    piece.resize(n);
    const ssize_t k = ::pread(src, piece.data(), n, src_off);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) {
      read_status = k < 0 ? errno : ENODATA;
      break;
    }
    src_off += k;
    buf.insert(buf.end(), piece.begin(), piece.begin() + k);
    out_off += static_cast<uint64_t>(k);
    flush();
  }
  while (out_off < size && out_fd >= 0 && ws.ok()) {
    const auto n = static_cast<size_t>(std::min<uint64_t>(size - out_off, 256 * 1024));
    buf.insert(buf.end(), n, uint8_t{0});
    out_off += n;
    flush();
  }
  if (out_fd < 0) out_off = size;
  return read_status;
}

Status ReceivingSide::receive_one(const FileEntry& e, int32_t ndx, uint8_t basis_type,
                                  bool* delayed, bool* placed) {
  *delayed = false;
  *placed = false;
  const Options& o = c_.opts;
  const int proto = c_.protocol();
  const int sum_len = checksum::digest_len(c_.neg.xfer_sum);
  const std::string rel = local_name(e);
  if (daemon_excluded(rel, flist::is_dir(e.mode))) {
    c_.output->error("ERROR: rejecting file transfer request for daemon excluded file: " + rel +
                     "\n");
    return Status::Error(ExitCode::kProtocol, "");
  }
  const bool redoing = redo_done_.count(ndx) > 0;
  // --inplace (also --append) writes over the destination itself (the
  // sender only refers to blocks at or ahead of the write position);
  // otherwise a temporary file (in the file's directory, or the
  // --temp-dir) is renamed into place once the file checks out.
  const bool inplace = o.inplace;
  // --append (not in the redo pass): the destination's first bytes stay.
  const int append = redoing ? 0 : o.append_mode(proto);
  // The partial dir (--partial-dir, or --delay-updates' .~tmp~) keeps
  // unfinished files, and --delay-updates finished ones until phase 2.
  const bool pdir = !o.partial_dir_used().empty() && !inplace;
  const bool delay = o.delay_updates && !inplace;
  const bool keep_partial = (o.partial || pdir) && !inplace;
  // upstream: a redo under --partial without a partial dir does not back
  // the destination up again (the failed file already replaced it).
  const bool backups = o.making_backups() && !(redoing && keep_partial && !pdir);
  // The basis is the partial file (upstream FNAMECMP_PARTIAL_DIR; below
  // 29, which names no basis, whenever there is a partial dir). With
  // CF_INPLACE_PARTIAL_DIR the new data is written into it in place.
  const bool partial_basis =
      pdir && (basis_type == wire::kFnamecmpPartialDir || (proto < 29 && !inplace));
  const bool one_inplace = basis_type == wire::kFnamecmpPartialDir && pdir &&
                           (c_.neg.compat_flags & wire::kCfInplacePartialDir) != 0;
  const bool write_in_place = inplace || one_inplace;
  // The basis is another directory's file (--copy-dest and its kin): even
  // written in place, the destination does not hold its blocks already.
  const bool from_basis_dir = proto >= 29 && basis_type < basis_dirs_.size();

  checksum::SumHead h;
  CRSYNC_RETURN_IF_ERROR(
      c_.in->decode([&](ByteReader& r) { return delta::get_sum_head(r, proto, sum_len, &h); }));

  // A local copy's large whole file comes from the sender's descriptor
  // (session/local_bridge.h); taken here so that every path closes it.
  fs::Fd bridged_fd;
  int64_t bridged_size = 0;
  const bool bridged = h.count == 0 && c_.local && o.local_bridge &&
                       o.local_bridge->take(ndx, &bridged_fd, &bridged_size);

  int parent = -1;  // borrowed from the receiver's parent cache
  std::string base;
  Status ps = dest_.cached_parent(rel, &parent_cache_, &parent, &base);
  if (!ps.ok()) {
    c_.output->error("rsync: [receiver] cannot open parent of \"" + rel +
                     "\": " + std::string(ps.message()) + "\n");
    c_.output->note_xfer_error();
    return discard_tokens(h);  // consume the data
  }
  fs::Fd partial_dir = pdir ? partial_dir_at(parent, false) : fs::Fd();
  const auto open_in = [](int dir, const std::string& name) {
    return dir < 0 ? -1 : ::openat(dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  };
  Basis basis;
  fs::Fd basis_fd;
  bool basis_is_partial = false;
  if (h.count > 0) {
    // The basis is the destination, the partial file, or the backup the
    // generator made of the destination for --inplace -b (named by the
    // basis type; below 29 implied).
    int fd = -1;
    if (basis_type == wire::kFnamecmpBackup || (proto < 29 && inplace && o.making_backups())) {
      fs::Fd bdir;
      std::string bname, shown;
      std::lock_guard<std::mutex> lock(backup_mu_);  // the generator may be making backups
      if (backup_location(rel, false, &bdir, &bname, &shown)) fd = open_in(bdir.get(), bname);
    } else if (partial_basis) {
      fd = open_in(partial_dir.get(), base);
      basis_is_partial = fd >= 0;
    } else if (proto >= 29 && basis_type < basis_dirs_.size()) {
      // A --compare-dest, --copy-dest or --link-dest directory's file
      // (resolved beneath it, never through a symlink).
      fd = open_in_basis_dir(basis_type, rel).release();
    }
    if (fd < 0 && (proto < 29 || (!partial_basis && basis_type != wire::kFnamecmpBackup &&
                                  basis_type >= basis_dirs_.size())))
      fd = open_in(parent, base);
    // Below 29 no type is sent: a missing destination's basis is the first
    // basis directory's file (upstream recv_files).
    if (fd < 0 && proto < 29 && !basis_dirs_.empty()) fd = open_in_basis_dir(0, rel).release();
    if (fd >= 0) {
      basis_fd = fs::Fd(fd);
      if (!basis.map(fd)) basis.len = 0;
    }
  } else if (partial_basis && partial_dir.valid()) {
    // No sums (whole file), but the partial file is still the basis that
    // a successful transfer replaces.
    struct stat pst {};
    basis_is_partial = ::fstatat(partial_dir.get(), base.c_str(), &pst, AT_SYMLINK_NOFOLLOW) == 0 &&
                       S_ISREG(pst.st_mode);
  }
  const int tmp_dir = one_inplace         ? partial_dir.get()
                      : temp_dir_.valid() ? temp_dir_.get()
                                          : parent;
  std::string tmp;
  fs::Fd out_fd;
  const int out_dir = one_inplace ? partial_dir.get() : parent;  // when in place
  if (write_in_place) {
    tmp = base;
    const int fd = out_dir < 0 ? -1
                               : ::openat(out_dir, base.c_str(),
                                          O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0) out_fd = fs::Fd(fd);
  }
  // The temporary file is made owner-only, as upstream's, unless it sits
  // next to the destination (no --temp-dir) and gets the sender's plain
  // permission bits as they are (-p, no daemon "incoming chmod", no set-id
  // or sticky bit): then it is created with them, saving a chmod per file,
  // and shows no more than the finished file will in the same directory.
  const bool final_mode = !temp_dir_.valid() && o.preserve_perms && !o.fake_super &&
                          (!c_.am_server || o.daemon_chmod.empty()) && (e.mode & 07000) == 0;
  const mode_t create_mode = final_mode ? ((e.mode & 0777) | 0600) : 0600;
  for (int tries = 0; !write_in_place && tries < 10 && !out_fd.valid(); ++tries) {
    tmp = tmp_name_for(base, !temp_dir_.valid());
    const int fd = ::openat(tmp_dir, tmp.c_str(),
                            O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, create_mode);
    if (fd >= 0)
      out_fd = fs::Fd(fd);
    else if (errno != EEXIST)
      break;
  }
  if (!out_fd.valid()) {
    const std::string shown = one_inplace ? partial_name(rel) : rel;
    c_.output->error("rsync: [receiver] " + std::string(write_in_place ? "open" : "mkstemp") +
                     " \"" + shown + "\" failed: " + errno_text(errno) + "\n");
    c_.output->note_xfer_error();
  }
  checksum::FileSum fsum(c_.neg.xfer_sum, c_.neg.seed);
  Bytes buf;
  buf.reserve(256 * 1024);
  Status ws;
  // -S: runs of zeros (whole 1 KiB pieces) are skipped with a seek, leaving
  // holes; the size is set at the end (upstream write_sparse/sparse_end).
  const bool sparse = c_.opts.sparse && !write_in_place;
  off_t pending_hole = 0;
  uint64_t out_off = 0;  // the output offset: flushed bytes plus buf
  // Write-behind only where a rename will replace an existing file (with
  // --delay-updates later, in phase 2): the name is looked up once, when the
  // file first reaches a step (fs/write_behind.h).
  fs::WriteBehind write_behind([&] {
    struct stat dst {};
    return !write_in_place && parent >= 0 &&
           ::fstatat(parent, base.c_str(), &dst, AT_SYMLINK_NOFOLLOW) == 0;
  });
  const auto write_range = [&](const uint8_t* p, size_t len) {
    if (pending_hole && ws.ok()) {
      if (::lseek(out_fd.get(), pending_hole, SEEK_CUR) < 0)
        ws = Status::Error(ExitCode::kFileIo,
                           "lseek failed on \"" + rel + "\": " + errno_text(errno));
      pending_hole = 0;
    }
    size_t off = 0;
    while (ws.ok() && off < len) {
      const ssize_t n = ::write(out_fd.get(), p + off, len - off);
      if (n < 0) {
        if (errno == EINTR) continue;
        ws = Status::Error(ExitCode::kFileIo,
                           "write failed on \"" + rel + "\": " + errno_text(errno));
        break;
      }
      off += static_cast<size_t>(n);
    }
  };
  const auto flush = [&]() {
    if (!out_fd.valid() || !ws.ok()) {
      buf.clear();
      return;
    }
    if (!sparse) {
      write_range(buf.data(), buf.size());
    } else {
      constexpr size_t kPiece = 1024;
      for (size_t at = 0; at < buf.size(); at += kPiece) {
        const size_t len = std::min(kPiece, buf.size() - at);
        const uint8_t* p = buf.data() + at;
        if (std::all_of(p, p + len, [](uint8_t b) { return b == 0; }))
          pending_hole += static_cast<off_t>(len);
        else
          write_range(p, len);
      }
    }
    buf.clear();
    write_behind.wrote(out_fd.get(), out_off);
  };
  bool missing_basis = false;
  if (append > 0) {
    // The sender skips what the destination has (its length is the sum
    // head's); --append-verify checksums it too (upstream receive_data).
    const int64_t kept = int64_t{h.count} * h.blength - (h.remainder ? h.blength - h.remainder : 0);
    CRSYNC_PEER_CHECK(kept >= 0, ExitCode::kProtocol, "invalid sum head for --append");
    if (append == 2 && basis.len > 0) {
      if (basis.len < static_cast<uint64_t>(kept))
        missing_basis = true;
      else
        fs::for_each_window(basis.file, 0, static_cast<size_t>(kept),
                            [&](ByteSpan piece) { fsum.update(piece); });
    }
    out_off = static_cast<uint64_t>(kept);
    if (out_fd.valid() && ::lseek(out_fd.get(), static_cast<off_t>(kept), SEEK_SET) != kept) {
      c_.output->error("rsync: [receiver] lseek of \"" + rel + "\" failed: " + errno_text(errno) +
                       "\n");
      return Status::Error(ExitCode::kFileIo, "");
    }
  }
  bool got_literal = false;
  // Keeps what arrived of a failed or cut-off file (upstream's
  // finish_transfer to the partial name, or cleanup.c when cut off): in
  // the partial dir, or without one in place of the destination (backed up
  // first); without its mtime, so the next run looks at it again, except
  // that a cut-off file put in place gets the time 0 (upstream: it must not
  // look newer than its source to --update).
  const auto keep_unfinished = [&](bool cut_off) {
    if (write_in_place) {
      set_attrs(out_dir, base, e, out_fd.get(), true, false);
      out_fd = fs::Fd();
      return;
    }
    if (pdir) {
      fs::Fd pd = partial_dir_at(parent, true);
      if (!pd.valid()) {
        c_.output->error("Unable to create partial-dir for " + rel +
                         " -- discarding partial file.\n");
        out_fd = fs::Fd();
        ::unlinkat(tmp_dir, tmp.c_str(), 0);
        return;
      }
      (void)move_into_place(e, tmp_dir, tmp, out_fd.get(), pd.get(), base, rel, false);
      out_fd = fs::Fd();
      return;
    }
    if (backups && make_backup(rel, BackupHow::kLinkFirst) == BackupResult::kFailed) {
      out_fd = fs::Fd();
      ::unlinkat(tmp_dir, tmp.c_str(), 0);
      return;
    }
    if (move_into_place(e, tmp_dir, tmp, out_fd.get(), parent, base, rel, false) && cut_off &&
        o.preserve_mtimes) {
      const timespec ts[2] = {{0, UTIME_OMIT}, {0, 0}};
      (void)::utimensat(parent, base.c_str(), ts, AT_SYMLINK_NOFOLLOW);
    }
    out_fd = fs::Fd();
  };
  int bridge_read_status = 0;
  if (bridged) {
    bridge_read_status = copy_bridged(bridged_fd.get(), static_cast<uint64_t>(bridged_size), sparse,
                                      out_fd.get(), rel, buf, flush, out_off, ws);
    got_literal = true;
    c_.stats.literal_data += bridged_size;
    // The sender reports it when it is asked for the file again.
    if (bridge_read_status) o.local_bridge->note_short(ndx, bridge_read_status);
  }
  for (;;) {
    delta::Token t;
    const uint64_t token_start = out_off;  // --progress shows where each token starts
    Status rs = read_token(h, &t, [&](const delta::Token& lt) {
      fsum.update(lt.literal);
      buf.insert(buf.end(), lt.literal.begin(), lt.literal.end());
      out_off += lt.literal.size();
      got_literal = got_literal || !lt.literal.empty();
      c_.stats.literal_data += static_cast<int64_t>(lt.literal.size());
    });
    if (!rs.ok()) {
      // The session broke off inside this file.
      if (out_fd.valid()) {
        flush();
        if (!write_in_place && keep_partial && got_literal)
          keep_unfinished(true);
        else if (!write_in_place)
          ::unlinkat(tmp_dir, tmp.c_str(), 0);
      }
      return rs;
    }
    if (t.kind == delta::Token::Kind::kEnd) break;
    if (c_.progress) c_.progress->show(static_cast<int64_t>(token_start), e.size);
    if (t.kind == delta::Token::Kind::kBlock) {
      const uint64_t off = static_cast<uint64_t>(t.block) * static_cast<uint64_t>(h.blength);
      const uint64_t len = (t.block == h.count - 1 && h.remainder)
                               ? static_cast<uint64_t>(h.remainder)
                               : static_cast<uint64_t>(h.blength);
      if (off + len > basis.len) {
        missing_basis = true;
        CRSYNC_RETURN_IF_ERROR(see_block(h, t.block, {}));
      } else {
        // The block is read with pread straight into the write buffer
        // (fs/read_at.h): cheaper than first touches of a mapping.
        const size_t at = buf.size();
        buf.resize(at + static_cast<size_t>(len));
        (void)fs::read_at(basis_fd.get(), off, buf.data() + at, static_cast<size_t>(len));
        const ByteSpan blk(buf.data() + at, static_cast<size_t>(len));
        CRSYNC_RETURN_IF_ERROR(see_block(h, t.block, blk));
        fsum.update(blk);
        if (write_in_place && off == out_off && !from_basis_dir) {
          // The block is already where it belongs (the basis is the file
          // being written, or a backup copy of it): skip over it.
          buf.resize(at);
          flush();
          if (out_fd.valid()) ::lseek(out_fd.get(), static_cast<off_t>(len), SEEK_CUR);
        }
        out_off += len;
        c_.stats.matched_data += static_cast<int64_t>(len);
      }
    }
    if (buf.size() >= 256 * 1024) flush();
  }
  flush();
  if (pending_hole && ws.ok() && ::ftruncate(out_fd.get(), static_cast<off_t>(out_off)) != 0)
    ws = Status::Error(ExitCode::kFileIo,
                       "ftruncate failed on \"" + rel + "\": " + errno_text(errno));
  if (write_in_place && out_fd.valid() && ws.ok() &&
      ::ftruncate(out_fd.get(), static_cast<off_t>(out_off)) != 0)
    c_.output->error("rsync: [receiver] ftruncate failed on \"" + rel + "\": " + errno_text(errno) +
                     "\n");
  if (c_.progress) c_.progress->end(e.size);
  uint8_t theirs[64], ours[64];
  CRSYNC_RETURN_IF_ERROR(c_.in->read_bytes(theirs, static_cast<size_t>(sum_len)));
  last_sum_hex_ = checksum_hex(c_.neg.xfer_sum, theirs, sum_len);
  fsum.finish(ours);
  const bool ok =
      !missing_basis && (bridged ? bridge_read_status == 0
                                 : std::memcmp(theirs, ours, static_cast<size_t>(sum_len)) == 0);
  if (!out_fd.valid() || !ws.ok()) {
    if (!ws.ok()) {
      c_.output->error("rsync: [receiver] " + std::string(ws.message()) + "\n");
      if (!write_in_place) ::unlinkat(tmp_dir, tmp.c_str(), 0);
      return Status::Error(ExitCode::kFileIo, std::string(ws.message()));
    }
    return Status::Ok();
  }
  if (!ok) {
    // upstream: the failed file is discarded, or with --inplace, --partial
    // or a partial dir kept (without its mtime) for the redo to work from;
    // one written in place into its partial file just stays there.
    const bool keep = inplace || keep_partial;
    if (one_inplace && !delay)
      out_fd = fs::Fd();
    else if (keep)
      keep_unfinished(false);
    else
      ::unlinkat(tmp_dir, tmp.c_str(), 0);
    const std::string kept = !keep ? "discarded" : pdir ? "put into partial-dir" : "retained";
    if (!redoing) {
      // (A server itemizes with the client's "%i" format hint.)
      if (o.info(Info::kName) >= 1 || o.item_format.has_i)
        c_.output->warning("WARNING: " + rel + " failed verification -- update " + kept +
                           " (will try again).\n");
      redo_done_.insert(ndx);
      post({Event::kRedo, ndx});
    } else {
      c_.output->error("ERROR: " + rel + " failed verification -- update " + kept + ".\n");
      c_.output->note_xfer_error();
    }
    return Status::Ok();
  }
  if (inplace) {
    set_attrs(parent, base, e, out_fd.get(), true, true);
    *placed = true;
    return Status::Ok();
  }
  if (delay) {
    fs::Fd pd = partial_dir_at(parent, true);
    if (!pd.valid()) {
      c_.output->error(std::string("Unable to create partial-dir for ") + rel +
                       " -- discarding completed file.\n");
      out_fd = fs::Fd();
      if (!one_inplace) ::unlinkat(tmp_dir, tmp.c_str(), 0);
      return Status::Ok();
    }
    if (move_into_place(e, tmp_dir, tmp, out_fd.get(), pd.get(), base, rel, true)) {
      delayed_.push_back(ndx);
      *delayed = true;
    }
    return Status::Ok();
  }
  if (backups && make_backup(rel, BackupHow::kLinkFirst) == BackupResult::kFailed) {
    // upstream: a backup that cannot be made ends the transfer (exit 11).
    out_fd = fs::Fd();
    if (!one_inplace) ::unlinkat(tmp_dir, tmp.c_str(), 0);
    return Status::Error(ExitCode::kFileIo, "");
  }
  *placed = move_into_place(e, tmp_dir, tmp, out_fd.get(), parent, base, rel, true);
  if (*placed && basis_is_partial) {
    // The partial file it was built from is done with (upstream
    // recv_files: unlinked, and its directory removed once empty).
    if (!one_inplace) ::unlinkat(partial_dir.get(), base.c_str(), 0);
    remove_partial_dir(parent);
  }
  return Status::Ok();
}

}  // namespace crsync::session
