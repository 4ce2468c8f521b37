#include "cli/server_args.h"

#include <cstring>

#include "cli/client.h"

namespace crsync::cli {
namespace {

// An option value in its own argument ("--files-from" "VALUE"): the remote
// shell must not expand anything in it, wildcards included.
std::string safe_option_value(const std::string& v) {
  static const char kSpecial[] = "*?[]!#$&;|<>(){}\"'` \t\\";
  std::string out;
  for (const char c : v) {
    if (c != '\0' && std::strchr(kSpecial, c)) out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

std::vector<std::string> server_options(const session::Options& o, bool client_is_sender,
                                        int protocol, const std::string& caps) {
  std::vector<std::string> argv;
  // -s: everything after the letters travels over the connection, where
  // nothing is escaped (upstream safe_arg with protect_args).
  const auto esc = [&o](const std::string& v) {
    return o.secluded_args ? v : safe_option_value(v);
  };
  argv.push_back("--server");
  if (!client_is_sender) argv.push_back("--sender");
  std::string w = "-";
  if (o.secluded_args) w += 's';
  for (int i = 0; i < o.verbose; ++i) w += 'v';
  if (o.quiet) w += 'q';
  if (o.making_backups()) w += 'b';
  if (o.update_only) w += 'u';
  if (o.dry_run) w += 'n';
  if (o.preserve_links) w += 'l';
  // -d as given; also upstream's implied one (--files-from) when a pushing
  // client deletes, so that the receiver deletes in the listed dirs.
  const bool dirs = o.dirs || !o.files_from.empty();
  const bool dirs_delete = dirs && !o.recursive && o.deleting() && client_is_sender;
  if ((o.dirs && !o.recursive) || dirs_delete || (o.list_only && dirs && !o.recursive)) w += 'd';
  if (client_is_sender) {
    if (o.keep_dirlinks) w += 'K';
    // -b without --backup-dir implies -O on the receiver, and upstream's
    // client then leaves an explicit -O out.
    if (o.omit_dir_times && !(o.making_backups() && o.backup_dir_used().empty())) w += 'O';
    if (o.omit_link_times) w += 'J';
  } else {
    if (o.copy_links) w += 'L';
    if (o.copy_dirlinks) w += 'k';
  }
  if (o.whole_file > 0) w += 'W';
  if (o.preserve_hard_links) w += 'H';
  if (o.preserve_uid) w += 'o';
  if (o.preserve_gid) w += 'g';
  if (o.preserve_devices) w += 'D';
  if (o.preserve_mtimes) w += 't';
  if (o.preserve_atimes) w += 'U';
  if (o.preserve_perms)
    w += 'p';
  else if (o.preserve_executability && client_is_sender)
    w += 'E';
  if (o.recursive) w += 'r';
  if (o.always_checksum) w += 'c';
  if (o.ignore_times) w += 'I';
  if (o.relative) w += 'R';
  if (o.one_file_system) w += 'x';
  if (o.sparse) w += 'S';
  if (o.compress && (o.compress_choice.empty() || o.compress_choice == "zlib")) w += 'z';
  if (protocol >= 30) w += "e" + caps;
  if (w.size() > 1) argv.push_back(w);

  // An explicit --list-only (not the implied one of a single argument).
  if (o.list_only > 1) argv.push_back("--list-only");
  if (dirs_delete) argv.push_back("--no-r");

  if (o.compress && o.compress_level != session::Options::kLevelNotGiven)
    argv.push_back("--compress-level=" + std::to_string(o.compress_level));
  if (o.preserve_devices && !o.preserve_specials)
    argv.push_back("--no-specials");
  else if (!o.preserve_devices && o.preserve_specials)
    argv.push_back("--specials");
  // The server needs to know a little of the client's item format
  // (upstream sends it as --log-format for compatibility): whether items
  // are itemized (all of them with -ii), or deletions formatted.
  if (client_is_sender && !o.item_format.format.empty()) {
    const session::ItemFormat& f = o.item_format;
    if (f.has_i > 1)
      argv.push_back("--log-format=%i%I");
    else if (f.has_i)
      argv.push_back("--log-format=%i");
    else if (f.has_o_or_i)
      argv.push_back("--log-format=%o");
    else if (!o.verbose)
      argv.push_back("--log-format=X");
  }
  if (o.block_size) argv.push_back("-B" + std::to_string(o.block_size));
  if (o.timeout) argv.push_back("--timeout=" + std::to_string(o.timeout));
  if (o.bwlimit) argv.push_back("--bwlimit=" + std::to_string(o.bwlimit));
  // The backup options go both ways (split, so that a remote shell expands
  // a "~"); the suffix only when it is not the default.
  const std::string bdir = o.backup_dir_used();
  if (!bdir.empty()) {
    argv.push_back("--backup-dir");
    argv.push_back(esc(bdir));
  }
  if (o.backup_suffix() != (bdir.empty() ? "~" : ""))
    argv.push_back("--suffix=" + esc(o.backup_suffix()));
  if (!o.checksum_choice.empty()) argv.push_back("--checksum-choice=" + o.checksum_choice);
  if (o.compress && !o.compress_choice.empty()) {
    if (o.compress_choice == "zlibx")
      argv.push_back("--new-compress");
    else if (o.compress_choice == "zlib")
      argv.push_back("--old-compress");
    else
      argv.push_back("--compress-choice=" + o.compress_choice);
  }
  if (client_is_sender) {
    if (o.max_delete > 0)
      argv.push_back("--max-delete=" + std::to_string(o.max_delete));
    else if (o.max_delete == 0)
      argv.push_back("--max-delete=-1");
    if (o.min_size >= 0) argv.push_back("--min-size=" + std::to_string(o.min_size));
    if (o.max_size >= 0) argv.push_back("--max-size=" + std::to_string(o.max_size));
    switch (o.delete_mode) {
      case session::DeleteMode::kBefore: argv.push_back("--delete-before"); break;
      case session::DeleteMode::kDelay: argv.push_back("--delete-delay"); break;
      case session::DeleteMode::kDuring: argv.push_back("--delete-during"); break;
      case session::DeleteMode::kAfter: argv.push_back("--delete-after"); break;
      case session::DeleteMode::kNone:
        if (o.delete_requested && !o.delete_excluded) argv.push_back("--delete");
        break;
    }
    if (o.delete_excluded) argv.push_back("--delete-excluded");
    if (o.size_only) argv.push_back("--size-only");
    if (o.stats) argv.push_back("--stats");
    if (o.modify_window) argv.push_back("--modify-window=" + std::to_string(o.modify_window));
  } else if (!o.skip_compress.empty()) {
    // Only a sender compresses. (3.4.1 accepts the list but no codec can
    // change its level mid-stream, so it changes no byte: token.c.)
    argv.push_back("--skip-compress=" + esc(o.skip_compress));
  }
  if (o.checksum_seed) argv.push_back("--checksum-seed=" + std::to_string(o.checksum_seed));
  // A partial dir takes the place of --partial; --delay-updates stands for
  // its own (".~tmp~") unless one is given.
  if (client_is_sender && !o.partial_dir_used().empty()) {
    if (!o.partial_dir.empty()) {
      argv.push_back("--partial-dir");
      argv.push_back(safe_option_value(o.partial_dir));
    }
    if (o.delay_updates) argv.push_back("--delay-updates");
  } else if (client_is_sender && o.partial) {
    argv.push_back("--partial");
  }
  if (o.numeric_ids) argv.push_back("--numeric-ids");
  if (client_is_sender) {
    if (o.ignore_existing) argv.push_back("--ignore-existing");
    if (o.existing_only) argv.push_back("--existing");
    if (!o.temp_dir.empty()) {
      argv.push_back("--temp-dir");
      argv.push_back(esc(o.temp_dir));
    }
    // Only a receiving server needs them (upstream server_options).
    for (const std::string& d : o.basis_dirs) {
      argv.push_back(session::alt_dest_option(o.alt_dest));
      argv.push_back(esc(d));
    }
  }
  // The --info words the user gave that matter on the server's side.
  const unsigned where =
      session::kWhereServer | (client_is_sender ? session::kWhereReceiver : session::kWhereSender);
  if (std::string a = session::make_output_option(o.levels, false, where); !a.empty())
    argv.push_back(std::move(a));
  // --append-verify goes as a second --append.
  if (o.append) {
    if (o.append > 1) argv.push_back("--append");
    argv.push_back("--append");
  } else if (o.inplace) {
    argv.push_back("--inplace");
  }
  if (!o.files_from.empty()) {
    const HostSpec h = parse_host_spec(o.files_from);
    if (h.remote) {
      // The server reads its own file.
      argv.push_back("--files-from");
      argv.push_back(esc(h.path));
      if (o.from0) argv.push_back("--from0");
    } else if (!client_is_sender) {
      // The server sends and reads the names from the connection, where a
      // client always writes them NUL-terminated.
      argv.push_back("--files-from=-");
      argv.push_back("--from0");
    }
    if ((h.remote || !client_is_sender) && !o.relative) argv.push_back("--no-relative");
  }
  // A sender below 30 does not flag implied dirs; a receiver must be told.
  if (o.relative && !o.implied_dirs && (!client_is_sender || protocol >= 30))
    argv.push_back("--no-implied-dirs");
  if (o.remove_source_files == 1)
    argv.push_back("--remove-source-files");
  else if (o.remove_source_files)
    argv.push_back("--remove-sent-files");
  if (client_is_sender && o.mkpath) argv.push_back("--mkpath");
  return argv;
}

std::string safe_path_arg(const std::string& path) {
  static const char kSpecial[] = "!#$&;|<>(){}\"'` \t";
  std::string out;
  if (!path.empty() && path[0] == '-') out = "./";
  for (size_t i = 0; i < path.size(); ++i) {
    const char c = path[i];
    if (c == '\\') {
      const char n = i + 1 < path.size() ? path[i + 1] : '\0';
      out += (n == '*' || n == '?' || n == '[' || n == ']') ? "\\" : "\\\\";
      continue;
    }
    if (std::strchr(kSpecial, c) && c != '\0') out += '\\';
    out += c;
  }
  return out;
}

Status split_shell_command(const std::string& cmd, std::vector<std::string>* words) {
  std::string cur;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < cmd.size(); ++i) {
    const char c = cmd[i];
    if (quote) {
      if (c == quote) {
        if (i + 1 < cmd.size() && cmd[i + 1] == quote) {
          cur += c;
          ++i;
        } else {
          quote = 0;
        }
      } else {
        cur += c;
      }
      continue;
    }
    if (c == ' ') {
      if (in_word) words->push_back(cur);
      cur.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\'' || c == '"')
      quote = c;
    else
      cur += c;
  }
  if (quote)
    return Status::Error(ExitCode::kSyntax,
                         std::string("Missing trailing-") + quote + " in remote-shell command.");
  if (in_word) words->push_back(cur);
  return Status::Ok();
}

}  // namespace crsync::cli
