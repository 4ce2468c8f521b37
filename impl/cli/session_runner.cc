#include "cli/session_runner.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <thread>

#include "cli/client.h"
#include "flist/source_walker.h"
#include "session/context.h"
#include "session/handshake.h"
#include "session/item_output.h"
#include "session/receiving.h"
#include "session/sender.h"
#include "transport/bwlimit.h"
#include "wire/primitives.h"
#include "wire/protocol_format.h"

namespace crsync::cli {
namespace {

using session::Context;

flist::WalkOptions walk_options(const session::Options& o, int protocol,
                                const std::vector<filter::FilterRule>* rules) {
  flist::WalkOptions w;
  w.rules = rules && !rules->empty() ? rules : nullptr;
  w.recursive = o.recursive;
  // --files-from implies -d (upstream sets xfer_dirs unless -d/--no-d).
  w.dirs = o.dirs || !o.files_from.empty();
  w.relative = o.relative;
  w.implied_dirs = o.implied_dirs;
  w.copy_links = o.copy_links;
  w.copy_dirlinks = o.copy_dirlinks;
  w.preserve_links = o.preserve_links;
  w.preserve_devices = o.preserve_devices;
  w.preserve_specials = o.preserve_specials;
  w.preserve_hard_links = o.preserve_hard_links;
  w.one_file_system = o.one_file_system;
  w.munge_symlinks = o.munge_symlinks;
  w.fake_super = o.fake_super;
  w.protocol = protocol;
  return w;
}

flist::WalkOptions walk_options(const Context& c) {
  flist::WalkOptions w = walk_options(c.opts, c.protocol(), &c.rules);
  w.incremental = c.neg.inc_recurse;
  if (!c.module.empty()) w.name_suffix = " (in " + c.module + ")";
  // --chmod is the client's alone (never sent to a server).
  if (!c.am_server && !c.opts.chmod.empty()) w.chmod = &c.opts.chmod;
  // A daemon module's "outgoing chmod", its filter list, "ignore nonreadable".
  if (c.am_server && !c.opts.daemon_chmod.empty()) w.chmod = &c.opts.daemon_chmod;
  if (c.opts.daemon_filter && !c.opts.daemon_filter->empty())
    w.daemon_filter = c.opts.daemon_filter.get();
  w.ignore_nonreadable = c.opts.ignore_nonreadable;
  if (filter::has_dir_merge(c.rules))
    w.dir_filters = std::make_shared<flist::SenderDirFilters>(&c.rules);
  return w;
}

// The rule upstream's compat.c adds once the protocol is known, on a
// client or a local copy's receiving side: a relative partial dir
// (--partial-dir, or the one --delay-updates parks files in) is excluded,
// perishable unless a sender talks to a peer below 30 (which could not be
// told of it).
void add_compat_rules(Context& c, bool am_sender) {
  const std::string pdir = c.opts.partial_dir_used();
  if (pdir.empty() || pdir[0] == '/') return;
  // Parsed as a rule, so that a name with a slash matches as one does.
  auto parsed = filter::parse_rule("- " + pdir + "/");
  filter::FilterRule r;
  if (parsed.ok()) {
    r = std::move(*parsed);
  } else {
    r.pattern = pdir;
    r.dir_only = true;
  }
  r.perishable = !am_sender || c.protocol() >= 30;
  c.rules.push_back(r);
}

// Reads a single-instance merge file ("merge FILE"); "-" is standard input.
const filter::MergeFileReader& merge_file_reader() {
  static const filter::MergeFileReader reader = [](const std::string& path) -> Result<std::string> {
    std::FILE* f = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
    if (!f)
      return Status::Error(ExitCode::kFileSelect,
                           "failed to open filter file " + path + ": " + std::strerror(errno));
    std::string content;
    char buf[8192];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) content.append(buf, n);
    if (f != stdin) std::fclose(f);
    return content;
  };
  return reader;
}

// How the side that reads a peer's messages reacts to each.
session::MuxIn::MessageHandler message_handler(Context& c, int32_t* peer_io_error, int* peer_exit) {
  return [&c, peer_io_error, peer_exit](wire::MsgCode code, ByteSpan payload) -> Status {
    const std::string text(as_chars(payload));
    switch (code) {
      case wire::MsgCode::kInfo: c.output->info(text); return Status::Ok();
      case wire::MsgCode::kErrorXfer:
        c.output->note_xfer_error();
        c.output->error(text);
        return Status::Ok();
      case wire::MsgCode::kError:
      case wire::MsgCode::kWarning: c.output->error(text); return Status::Ok();
      case wire::MsgCode::kIoError: {
        ByteReader r(payload);
        int32_t v = 0;
        (void)wire::get_int32(r, &v);
        *peer_io_error |= v & static_cast<int32_t>(wire::kIoerrMask);
        return Status::Ok();
      }
      case wire::MsgCode::kErrorExit: {
        int32_t v = 0;
        if (payload.size() == 4) {
          ByteReader r(payload);
          (void)wire::get_int32(r, &v);
        }
        *peer_exit = v;
        return Status::Error(static_cast<ExitCode>(v ? v : 12), "");
      }
      case wire::MsgCode::kDeleted: {
        std::string name = text;
        const bool dir = !name.empty() && name.back() == '\0';
        if (dir) name.pop_back();
        const std::string line = session::delete_text(c, name, dir ? 0040000 : 0100000);
        if (!line.empty()) c.output->info(line);
        return Status::Ok();
      }
      case wire::MsgCode::kSuccess:
        if (c.on_success) return c.on_success(payload);
        return Status::Ok();
      case wire::MsgCode::kNoSend: {
        ByteReader r(payload);
        int32_t v = 0;
        if (payload.size() == 4 && wire::get_int32(r, &v).ok() && c.on_no_send) c.on_no_send(v);
        return Status::Ok();
      }
      default: return Status::Ok();
    }
  };
}

// ---- --files-from ----
//
// The side that sends reads the list: from its own file, or from the
// connection when the file is on the other side (a client pulling with a
// local list forwards it; a server given "--files-from FILE" by a pushing
// client forwards its own). On the connection the names are NUL-terminated
// and an empty name ends the list; below protocol 31 that data travels
// outside the multiplexing even where the stream is otherwise multiplexed.

// True when the list file is on this machine: a sender reads it, a
// receiver forwards it. A server's "-" is the connection; a client's
// "host:FILE" is the server's file.
bool list_file_is_here(const session::Options& o) {
  if (o.files_from.empty()) return false;
  return o.am_server ? o.files_from != "-" : !parse_host_spec(o.files_from).remote;
}

Status read_list_file(const std::string& path, std::string* text) {
  std::FILE* f = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (!f)
    return Status::Error(ExitCode::kSyntax,
                         "failed to open files-from file " + path + ": " + std::strerror(errno));
  char buf[64 * 1024];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text->append(buf, n);
  const bool failed = std::ferror(f);
  const int e = errno;
  if (f != stdin) std::fclose(f);
  if (failed)
    return Status::Error(ExitCode::kFileIo,
                         "read error on files-from file " + path + ": " + std::strerror(e));
  return Status::Ok();
}

Status read_list_from_peer(Context& c, std::vector<std::string>* names) {
  const bool unframed = c.protocol() < 31 && c.in->multiplexed();
  if (unframed) c.in->set_multiplexed(false);
  flist::FilesFromReader r;
  Status s;
  while (!r.done()) {
    uint8_t b = 0;
    s = c.in->read_byte(&b);
    if (!s.ok()) break;
    const char ch = static_cast<char>(b);
    r.feed(std::string_view(&ch, 1));
  }
  if (unframed) c.in->set_multiplexed(true);
  *names = r.names();
  return s;
}

// The names the sender walks, wherever they come from.
Status files_from_names(Context& c, std::vector<std::string>* names) {
  if (!list_file_is_here(c.opts)) return read_list_from_peer(c, names);
  std::string text;
  CRSYNC_RETURN_IF_ERROR(read_list_file(c.opts.files_from, &text));
  *names = flist::split_files_from(text, c.opts.from0);
  return Status::Ok();
}

// Builds the sender's list: the arguments, or (--files-from) the listed
// names relative to the one source argument.
Status walk(Context& c, const std::vector<std::string>& sources, flist::WalkResult* wr) {
  if (c.opts.files_from.empty()) return flist::walk_sources(sources, walk_options(c), wr);
  std::vector<std::string> names;
  CRSYNC_RETURN_IF_ERROR(files_from_names(c, &names));
  return flist::walk_files_from(sources.empty() ? std::string() : sources.front(), names,
                                walk_options(c), wr);
}

// Writes the receiver's list to the sender while the file list comes in:
// upstream interleaves the two in its I/O loop; a thread does it here, so
// that a long list cannot fill both pipes.
class ListForwarder {
 public:
  ListForwarder() = default;
  ListForwarder(const ListForwarder&) = delete;
  ListForwarder& operator=(const ListForwarder&) = delete;
  ~ListForwarder() { (void)finish(); }

  Status start(Context& c, transport::ByteChannel& ch) {
    std::string text;
    CRSYNC_RETURN_IF_ERROR(read_list_file(c.opts.files_from, &text));
    std::string data = flist::files_from_wire_form(text, c.opts.from0);
    if (c.protocol() < 31 && c.out->multiplexed()) {
      // Unframed: straight onto the channel, once what is queued is out.
      // Nothing else is written until the sender has read the whole list.
      CRSYNC_RETURN_IF_ERROR(c.out->flush());
      thread_ = std::thread([this, &ch, data = std::move(data)] {
        status_ =
            ch.write_all(ByteSpan(reinterpret_cast<const uint8_t*>(data.data()), data.size()));
      });
    } else {
      session::MuxOut* out = c.out;
      thread_ = std::thread([this, out, data = std::move(data)] {
        status_ = out->write(ByteSpan(reinterpret_cast<const uint8_t*>(data.data()), data.size()));
        if (status_.ok()) status_ = out->flush();
      });
    }
    return Status::Ok();
  }
  Status finish() {
    if (thread_.joinable()) thread_.join();
    return status_;
  }

 private:
  std::thread thread_;
  Status status_;
};

int exit_code_for(const Context& c, int32_t io_error) {
  if (c.output->had_xfer_error() || (io_error & static_cast<int32_t>(wire::kIoerrGeneral)))
    return static_cast<int>(ExitCode::kPartial);
  if (io_error & static_cast<int32_t>(wire::kIoerrVanished))
    return static_cast<int>(ExitCode::kVanished);
  if (io_error & static_cast<int32_t>(wire::kIoerrDelLimit))
    return static_cast<int>(ExitCode::kDelLimit);
  return 0;
}

// The generator's stream to the sender is multiplexed from 30, and at any
// protocol with --remove-source-files, whose MSG_SUCCESS travels on it
// (upstream's need_messages_from_generator).
Status setup_mux(Context& c, bool am_server, bool am_sender) {
  const int proto = c.protocol();
  const bool gen_msgs = proto >= 30 || c.opts.remove_source_files;
  if (am_server) {
    CRSYNC_RETURN_IF_ERROR(c.out->set_multiplexed(true));
    c.in->set_multiplexed(am_sender ? gen_msgs : proto >= 30);
  } else {
    CRSYNC_RETURN_IF_ERROR(c.out->set_multiplexed(am_sender ? proto >= 30 : gen_msgs));
    c.in->set_multiplexed(true);
  }
  return Status::Ok();
}

// The client's file-list lines (upstream flist.c): under incremental
// recursion "sending/receiving incremental file list"; otherwise (when
// directories are sent) "building/receiving file list ... done", which
// --progress (info flist2) turns into a count every 100 files and "N
// files to consider". A sender counts entries before adding each one, a
// receiver after.
bool shows_flist_progress(const Context& c) {
  const session::Options& o = c.opts;
  return o.info(session::Info::kFlist) >= 1 && !c.neg.inc_recurse &&
         (o.recursive || o.dirs || !o.files_from.empty());
}

void flist_start(Context& c, bool sending) {
  if (shows_flist_progress(c))
    c.output->progress(sending ? "building file list ... " : "receiving file list ... ", true,
                       false);
  else if (c.neg.inc_recurse && c.opts.info(session::Info::kFlist) >= 1)
    c.output->info(sending ? "sending incremental file list\n"
                           : "receiving incremental file list\n");
}

void flist_finish(Context& c, bool sending, size_t count) {
  if (!shows_flist_progress(c)) return;
  if (c.opts.info(session::Info::kFlist) >= 2) {
    bool first = true;
    for (size_t k = sending ? 0 : 100; sending ? k < count : k <= count; k += 100) {
      c.output->progress(" " + std::to_string(k) + " files...\r", true, !first);
      first = false;
    }
    c.output->progress(
        std::to_string(count) + (count == 1 ? " file " : " files ") + "to consider\n", false);
  } else {
    c.output->progress("done\n", false);
  }
}

void print_summary(Context& c) {
  if (c.am_server) return;
  const auto secs =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - c.start)
          .count();
  // --stats is info stats2, -v stats1 (--info=stats[N] sets them too).
  const int level = c.opts.info(session::Info::kStats);
  if (level >= 2)
    c.output->info(session::stats_block(c.stats, c.protocol(), c.opts.human_readable));
  if (level >= 1) {
    c.output->info("\n" + session::summary_lines(c.stats, static_cast<double>(secs), c.opts.dry_run,
                                                 c.opts.human_readable));
  }
}

// The byte counts of --stats and the summary start after the protocol
// set-up, as upstream's do (its set-up bytes bypass the buffered I/O that
// counts them).
Status start_counting(session::MuxIn& in, session::MuxOut& out) {
  CRSYNC_RETURN_IF_ERROR(out.flush());
  in.start_counting();
  out.start_counting();
  return Status::Ok();
}

// A daemon server's module verdicts, where upstream gives them: the I/O
// timeout and a refused option or failed pre-xfer exec right after the
// set-up; "read only" before a receiver reads anything; "write only" once
// a sender has read the filter list.
Status daemon_verdicts(Context& c, session::Output& output, const DaemonSession& d, bool sender,
                       bool after_filters) {
  if (!after_filters) {
    if (d.io_timeout && c.protocol() >= 31) {
      ByteWriter w;
      wire::put_int32(w, d.io_timeout);
      CRSYNC_RETURN_IF_ERROR(c.out->send_msg(wire::MsgCode::kIoTimeout, ByteSpan(w.bytes())));
    }
    if (!d.fatal_error.empty()) {
      output.error(d.fatal_error);
      return Status::Error(static_cast<ExitCode>(d.fatal_code), "");
    }
    if (!sender && d.read_only) {
      output.error("ERROR: module is read only\n");
      return Status::Error(ExitCode::kSyntax, "");
    }
    return Status::Ok();
  }
  if (sender && d.write_only) {
    output.error("ERROR: module is write only\n");
    return Status::Error(ExitCode::kSyntax, "");
  }
  return Status::Ok();
}

// A client ending with an error tells the server with MSG_ERROR_EXIT
// (protocol 31 and later), as upstream's exit cleanup does, except for
// errors of the connection itself. True when it was sent.
bool send_error_exit(Context& c, session::MuxOut& out, int code, bool daemon) {
  // Only sessions with a daemon for now (upstream does it over a remote
  // shell as well).
  if (!daemon || !code || c.protocol() < 31 || !out.multiplexed()) return false;
  if (code == 10 || code == 12 || code == 19 || code == 20 || code == 30) return false;
  ByteWriter w;
  wire::put_int32(w, code);
  (void)out.send_msg(wire::MsgCode::kErrorExit, ByteSpan(w.bytes()));
  (void)out.flush();
  return true;
}

}  // namespace

std::string error_line(int code, const std::string& who) {
  return std::string(code == 24 ? "rsync warning: " : "rsync error: ") +
         exit_code_text(static_cast<ExitCode>(code)) + " (code " + std::to_string(code) +
         ") at main.cc(0) [" + who + "=" CRSYNC_VERSION "-crsync]\n";
}

SessionResult run_client(transport::ByteChannel& raw_ch, const session::Options& o, bool push,
                         const std::vector<std::string>& sources, const std::string& dest,
                         bool local, const DaemonSession* daemon,
                         const std::function<int(bool)>& peer_status) {
  transport::BwLimitedChannel limited(raw_ch, o.bwlimit);
  transport::ByteChannel& ch = o.bwlimit > 0 ? limited : raw_ch;
  SessionResult res;
  session::ClientOutput output;
  output.quiet = o.quiet;
  output.who = push ? "sender" : "receiver";
  Context c{o};
  c.am_server = false;
  c.am_sender = push;
  c.local = local;
  session::MuxIn in(ch, {false, push, local}, wire::kProtocolVersion);
  session::MuxOut out(ch, wire::kProtocolVersion);
  c.in = &in;
  c.out = &out;
  c.on_fatal = [&ch] { ch.abort(); };
  c.output = &output;
  if (o.info(session::Info::kProgress) >= 1)
    c.progress = std::make_shared<session::Progress>(
        output, c.stats, o.info(session::Info::kProgress), o.human_readable);
  int32_t peer_io_error = 0;
  int peer_exit = 0;
  in.set_message_handler(message_handler(c, &peer_io_error, &peer_exit));

  {
    auto rules = filter::parse_rules(o.filter_rules, &merge_file_reader());
    if (!rules.ok()) {
      res.exit_code = rules.status().exit_status();
      output.error("rsync: " + std::string(rules.status().message()) + "\n");
      output.error(error_line(res.exit_code, "client"));
      return res;
    }
    c.rules = std::move(*rules);
  }
  session::HandshakeParams hp;
  hp.am_server = false;
  hp.am_sender = push;
  hp.allow_inc_recurse = o.allows_inc_recurse(!push);
  if (daemon) {
    hp.exchange_versions = false;
    hp.remote_protocol = daemon->protocol;
  }
  Status s = session::run_handshake(in, out, o, hp, &c.neg);
  if (s.ok()) s = session::refuse_for_protocol(c, o);
  if (s.ok()) s = start_counting(in, out);
  if (s.ok()) s = setup_mux(c, false, push);
  if (s.ok()) add_compat_rules(c, push);
  // The client sends its filter list when the server is the sender, or when
  // the receiving server wants it for deletions.
  // Every rule meant for the peer must be expressible at the protocol in
  // use, whether or not the list is sent (upstream send_rules).
  if (s.ok() && !local) {
    const bool send = !push || o.deleting();
    ByteWriter w;
    // With --delete-excluded the receiving side must not protect excluded
    // files, so a pushing client sends only its receiver-side rules.
    const bool elide = push && o.delete_excluded;
    for (const auto& r : c.rules) {
      if (!filter::sent_to_peer(r, push) || (elide && !r.receiver_only)) continue;
      const auto t = filter::xfer_text(r, c.protocol(), push);
      if (!t) {
        s = Status::Error(ExitCode::kProtocol, "filter rules are too modern for remote rsync.");
        break;
      }
      wire::put_int32(w, static_cast<int32_t>(t->size()));
      w.append(*t);
    }
    if (s.ok() && send) {
      wire::put_int32(w, 0);  // end of the filter list
      s = out.write(w);
      if (s.ok()) s = out.flush();
    }
  }
  int32_t io_error = 0;
  bool got_list = false, list_used = false;
  if (s.ok()) {
    if (push) {
      flist::WalkResult wr;
      s = walk(c, sources, &wr);
      for (const auto& e : wr.errors) output.error("rsync: [sender] " + e + "\n");
      for (const auto& i : wr.infos) output.info(i + "\n");
      io_error = wr.io_error;
      if (wr.xfer_error) output.note_xfer_error();
      if (s.ok()) {
        flist_start(c, true);
        flist_finish(c, true, wr.entries.size());
        session::Sender snd(c, std::move(wr.entries), wr.io_error, walk_options(c));
        s = snd.run();
        c.stats.total_read = static_cast<int64_t>(in.total_read());
        c.stats.total_written = static_cast<int64_t>(out.total_written());
      }
    } else {
      flist_start(c, false);
      c.on_first_list = [&c, &got_list, &list_used](size_t n) {
        got_list = true;
        list_used = n > 0;
        flist_finish(c, false, n);
      };
      ListForwarder fwd;
      if (!local && list_file_is_here(o)) s = fwd.start(c, ch);
      if (s.ok()) {
        session::ReceivingSide rs(c, dest);
        s = rs.run();
        io_error |= rs.io_error();
      }
      const Status fs = fwd.finish();
      if (s.ok()) s = fs;
    }
  }
  res.who = push ? "sender" : (got_list && list_used ? "generator" : "Receiver");
  if (!s.ok()) {
    res.status = s;
    res.exit_code = peer_exit ? peer_exit : s.exit_status();
    std::string msg(s.message());
    const bool eof = msg.rfind("connection unexpectedly closed", 0) == 0;
    const char* reader = push ? "sender" : got_list ? "receiver" : "Receiver";
    if (eof) {
      // Upstream's whine_about_eof: the bytes read and the role reading.
      msg = "connection unexpectedly closed (" + std::to_string(in.total_read()) +
            " bytes received so far) [" + reader + "]";
    } else if (msg.rfind("read error: ", 0) == 0) {
      msg = "[" + std::string(reader) + "] " + msg;
    }
    // A remote shell that has already ended (upstream asks with WNOHANG)
    // may raise the exit code: its end is what closed the connection.
    if (peer_status) res.exit_code = std::max(res.exit_code, peer_status(eof));
    if (!msg.empty()) output.error("rsync: " + msg + "\n");
    // A daemon that ended the session with MSG_ERROR_EXIT already sent its
    // error line; upstream's client adds none of its own then.
    if (!(daemon && peer_exit))
      output.error(error_line(res.exit_code, push ? "sender" : got_list ? "receiver" : "Receiver"));
    if (daemon && peer_exit && c.protocol() >= 31 && out.multiplexed()) {
      // Upstream answers a peer's MSG_ERROR_EXIT: the receiving side echoes
      // the code, a sender replies with an empty one.
      ByteWriter w;
      if (!push) wire::put_int32(w, peer_exit);
      (void)out.send_msg(wire::MsgCode::kErrorExit, ByteSpan(w.bytes()));
      (void)out.flush();
      res.await_death = true;
    } else {
      res.await_death = send_error_exit(c, out, res.exit_code, daemon != nullptr);
    }
    return res;
  }
  print_summary(c);
  res.exit_code = exit_code_for(c, io_error | peer_io_error);
  if (res.exit_code) output.error(error_line(res.exit_code, push ? "sender" : "generator"));
  res.await_death = send_error_exit(c, out, res.exit_code, daemon != nullptr);
  return res;
}

SessionResult run_server(transport::ByteChannel& raw_ch, const session::Options& o,
                         const std::vector<std::string>& args, bool local,
                         const DaemonSession* daemon) {
  transport::BwLimitedChannel limited(raw_ch, o.bwlimit);
  transport::ByteChannel& ch = o.bwlimit > 0 ? limited : raw_ch;
  SessionResult res;
  session::MuxOut out(ch, wire::kProtocolVersion);
  session::ServerOutput output(out, daemon && daemon->errors_as_messages);
  const bool sender = o.am_sender;
  output.who = sender ? "sender" : "receiver";
  Context c{o};
  if (daemon) c.module = daemon->module;
  c.am_server = true;
  c.am_sender = sender;
  c.local = local;
  session::MuxIn in(ch, {true, sender, local}, wire::kProtocolVersion);
  c.in = &in;
  c.out = &out;
  c.on_fatal = [&ch] { ch.abort(); };
  c.output = &output;
  int32_t peer_io_error = 0;
  int peer_exit = 0;
  in.set_message_handler(message_handler(c, &peer_io_error, &peer_exit));

  session::HandshakeParams hp;
  hp.am_server = true;
  hp.am_sender = sender;
  hp.allow_inc_recurse = o.allows_inc_recurse(!sender);
  if (daemon) {
    hp.exchange_versions = false;
    hp.remote_protocol = daemon->protocol;
  }
  Status s = session::run_handshake(in, out, o, hp, &c.neg);
  if (s.ok()) s = session::refuse_for_protocol(c, o);
  if (s.ok()) s = start_counting(in, out);
  if (s.ok()) output.set_protocol(c.protocol());
  if (s.ok()) s = setup_mux(c, true, sender);
  if (s.ok() && daemon) s = daemon_verdicts(c, output, *daemon, sender, /*after_filters=*/false);
  if (!s.ok() && daemon && sender && !daemon->fatal_error.empty()) {
    // A refused pull (option refused, pre-xfer exec failed): upstream's
    // sending daemon flushes the message, pauses 400 ms and exits; its
    // error line and MSG_ERROR_EXIT stay in an output buffer that is never
    // flushed, so the client only sees the message and the connection end.
    (void)out.flush();
    ::usleep(400 * 1000);
    res.status = s;
    res.exit_code = s.exit_status();
    res.refused_pull = true;
    res.left_input_unread = in.has_unconsumed();
    return res;
  }
  if (s.ok() && local) {
    // A local copy's receiving side shares the client's rules (upstream's
    // forked child inherits them), so excluded files are protected from
    // --delete there too.
    auto rules = filter::parse_rules(o.filter_rules, &merge_file_reader());
    if (rules.ok())
      c.rules = std::move(*rules);
    else
      s = rules.status();
    add_compat_rules(c, sender);
  }
  if (s.ok() && !local && (sender || o.deleting())) {
    // The client's filter list: int32 length + rule, ended by 0.
    for (;;) {
      int32_t len = 0;
      s = in.read_int32(&len);
      if (!s.ok() || len == 0) break;
      if (len < 0 || len > wire::kMaxPathLen * 4) {
        s = Status::Protocol("invalid filter rule length " + std::to_string(len));
        break;
      }
      std::string rule(static_cast<size_t>(len), '\0');
      s = in.read_bytes(reinterpret_cast<uint8_t*>(rule.data()), rule.size());
      if (!s.ok()) break;
      if (rule == "!") {  // clears the list so far
        c.rules.clear();
        continue;
      }
      // Below 29 a rule without a "- " or "+ " prefix is an exclude.
      if (c.protocol() < 29 && rule.rfind("- ", 0) != 0 && rule.rfind("+ ", 0) != 0)
        rule = "- " + rule;
      auto r = filter::parse_rule(rule);
      if (!r.ok()) {
        s = r.status();
        break;
      }
      c.rules.push_back(std::move(*r));
    }
  }
  if (s.ok() && daemon) s = daemon_verdicts(c, output, *daemon, sender, /*after_filters=*/true);
  int32_t io_error = 0;
  if (s.ok()) {
    if (sender) {
      flist::WalkResult wr;
      s = walk(c, args, &wr);
      for (const auto& e : wr.errors) output.xfer_error("rsync: [sender] " + e + "\n");
      // "skipping directory" reaches the client as upstream's FINFO does.
      for (const auto& i : wr.infos) output.info(i + "\n");
      io_error = wr.io_error;
      if (wr.xfer_error) output.note_xfer_error();
      if (s.ok()) {
        session::Sender snd(c, std::move(wr.entries), wr.io_error, walk_options(c));
        s = snd.run();
      }
    } else {
      ListForwarder fwd;
      if (!local && list_file_is_here(o)) s = fwd.start(c, ch);
      if (s.ok()) {
        session::ReceivingSide rs(c, args.empty() ? "." : args[0]);
        s = rs.run();
        io_error |= rs.io_error();
      }
      const Status fs = fwd.finish();
      if (s.ok()) s = fs;
    }
  }
  if (s.ok()) s = out.flush();
  if (!s.ok()) {
    res.status = s;
    res.exit_code = peer_exit ? peer_exit : s.exit_status();
    if (!s.message().empty()) output.error("rsync: " + std::string(s.message()) + "\n");
    // The error line goes before MSG_ERROR_EXIT, on which the client stops
    // reading (upstream's log_exit comes first too).
    output.error(error_line(res.exit_code, sender ? "sender" : "receiver"));
    if (c.protocol() >= 31 && out.multiplexed() && res.exit_code != 10 && res.exit_code != 12 &&
        res.exit_code != 19 && res.exit_code != 30 && !peer_exit) {
      ByteWriter w;
      wire::put_int32(w, res.exit_code);
      (void)out.send_msg(wire::MsgCode::kErrorExit, ByteSpan(w.bytes()));
    }
    (void)out.flush();
    return res;
  }
  res.exit_code = exit_code_for(c, io_error | peer_io_error);
  return res;
}

}  // namespace crsync::cli
