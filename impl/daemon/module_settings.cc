#include "daemon/module_settings.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace crsync::daemon {

int read_module_filters(const Section& m, const DaemonLog& log, ModuleFilterFiles* out) {
  filter::DaemonFilterParams& p = out->params;
  p.filter = m.str("filter");
  p.include_from = m.str("include from");
  p.include = m.str("include");
  p.exclude_from = m.str("exclude from");
  p.exclude = m.str("exclude");
  for (const auto& [path, inc] :
       {std::pair{p.include_from, true}, std::pair{p.exclude_from, false}}) {
    if (path.empty()) continue;
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) {
      // Said by a process that has no role yet ("[Receiver]"), as upstream.
      log(std::string("rsync: [Receiver] failed to open ") + (inc ? "in" : "ex") + "clude file " +
          path + ": " + std::strerror(errno) + " (" + std::to_string(errno) + ")");
      return static_cast<int>(ExitCode::kFileIo);
    }
    std::string text;
    char buf[4096];
    size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0 && text.size() < (1u << 24))
      text.append(buf, n);
    std::fclose(f);
    out->files[path] = std::move(text);
  }
  return 0;
}

std::string apply_module_settings(const Section& m, const ModuleFilterFiles& files,
                                  const ModuleIdentity& who, const DaemonLog* log,
                                  session::Options* o) {
  const std::string chmod = m.str(o->am_sender ? "outgoing chmod" : "incoming chmod");
  if (!chmod.empty()) {
    const mode_t mask = ::umask(0);
    ::umask(mask);
    flist::ChmodRules rules;
    if (rules.add(chmod, mask).ok())
      o->daemon_chmod = std::move(rules);
    else
      (*log)(std::string("Invalid \"") + (o->am_sender ? "outgo" : "incom") +
             "ing chmod\" directive: " + chmod);
  }
  o->ignore_nonreadable = m.boolean("ignore nonreadable");
  {
    // Only a lone "*" has an effect in upstream 3.4.1 (its per-file level
    // switch is compiled out): the whole session's deflate goes stored.
    const std::string dc = m.str("dont compress");
    size_t i = 0;
    while (i < dc.size()) {
      const size_t b = dc.find_first_not_of(' ', i);
      if (b == std::string::npos) break;
      const size_t e = std::min(dc.find(' ', b), dc.size());
      if (dc.compare(b, e - b, "*") == 0) o->dont_compress_all = true;
      i = e;
    }
  }
  o->open_noatime = m.bool3("open noatime") == 1;  // crsync has no --open-noatime to keep
  if (!who.log_file_format.empty() || m.boolean("transfer logging")) {
    o->transfer_log_format = fill_daemon_escapes(
        !who.log_file_format.empty() ? who.log_file_format : m.str("log format"),
        {{'h', who.host}, {'a', who.addr}, {'m', m.name()}, {'u', who.user}, {'P', m.str("path")}});
    o->transfer_log = [log](const std::string& line) { (*log)(line); };
  }
  auto f = filter::DaemonFilter::parse(files.params, o->am_sender,
                                       [&files](const std::string& path) -> Result<std::string> {
                                         const auto it = files.files.find(path);
                                         if (it == files.files.end())
                                           return Status::Error(ExitCode::kFileIo, "not read");
                                         return it->second;
                                       });
  if (!f.ok()) {
    (*log)(std::string(f.status().message()));
    return std::string(f.status().message());
  }
  if (!f->empty()) o->daemon_filter = std::make_shared<const filter::DaemonFilter>(std::move(*f));
  return {};
}

std::string fill_daemon_escapes(const std::string& fmt, const std::map<char, std::string>& vals) {
  std::string out;
  size_t i = 0;
  while (i < fmt.size()) {
    if (fmt[i] != '%') {
      out += fmt[i++];
      continue;
    }
    size_t j = i + 1;
    while (j < fmt.size() && fmt[j] == '\'') ++j;
    const bool left = j < fmt.size() && fmt[j] == '-';
    if (left) ++j;
    size_t width = 0;
    while (j < fmt.size() && std::isdigit(static_cast<unsigned char>(fmt[j])))
      width = std::min<size_t>(width * 10 + static_cast<size_t>(fmt[j++] - '0'), 4096);
    while (j < fmt.size() && fmt[j] == '\'') ++j;
    const auto it = j < fmt.size() ? vals.find(fmt[j]) : vals.end();
    if (it == vals.end()) {
      out += fmt.substr(i, j - i);
      i = j;
      continue;
    }
    std::string v = it->second;
    if (v.size() < width)
      v = left ? v + std::string(width - v.size(), ' ') : std::string(width - v.size(), ' ') + v;
    out += v;
    i = j + 1;
  }
  return out;
}

}  // namespace crsync::daemon
