#include "daemon/config.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "filter/wildmatch.h"

namespace crsync::daemon {
namespace {

enum class Kind { kString, kPath, kInt, kBool, kBool3, kEnum };
enum class Class { kGlobal, kLocal };

struct Param {
  const char* label;
  Class cls;
  Kind kind;
  const char* def;  // nullptr: empty
  // A value crsync cannot honour (nullptr: any value is fine). "*" means
  // any non-empty value; "1" a true boolean.
  const char* unsupported = nullptr;
};

// upstream daemon-parm.txt, in its order; aliases after a '|'.
const Param kParams[] = {
    {"address", Class::kGlobal, Kind::kString, nullptr},
    {"bind address", Class::kGlobal, Kind::kString, nullptr},
    {"daemon chroot", Class::kGlobal, Kind::kString, nullptr},
    {"daemon gid", Class::kGlobal, Kind::kString, nullptr},
    {"daemon uid", Class::kGlobal, Kind::kString, nullptr},
    {"motd file", Class::kGlobal, Kind::kString, nullptr},
    {"pid file", Class::kGlobal, Kind::kString, nullptr},
    {"socket options", Class::kGlobal, Kind::kString, nullptr},
    {"listen backlog", Class::kGlobal, Kind::kInt, "5"},
    {"port", Class::kGlobal, Kind::kInt, "0"},
    {"rsync port", Class::kGlobal, Kind::kInt, "0"},
    {"proxy protocol", Class::kGlobal, Kind::kBool, "false", "1"},

    {"auth users", Class::kLocal, Kind::kString, nullptr},
    {"charset", Class::kLocal, Kind::kString, nullptr},
    {"comment", Class::kLocal, Kind::kString, nullptr},
    {"dont compress", Class::kLocal, Kind::kString, nullptr},
    {"early exec", Class::kLocal, Kind::kString, nullptr},
    {"exclude", Class::kLocal, Kind::kString, nullptr},
    {"exclude from", Class::kLocal, Kind::kString, nullptr},
    {"filter", Class::kLocal, Kind::kString, nullptr},
    {"gid", Class::kLocal, Kind::kString, nullptr},
    {"hosts allow", Class::kLocal, Kind::kString, nullptr},
    {"hosts deny", Class::kLocal, Kind::kString, nullptr},
    {"include", Class::kLocal, Kind::kString, nullptr},
    {"include from", Class::kLocal, Kind::kString, nullptr},
    {"incoming chmod", Class::kLocal, Kind::kString, nullptr},
    {"lock file", Class::kLocal, Kind::kString, "/var/run/rsyncd.lock"},
    {"log file", Class::kLocal, Kind::kString, nullptr},
    {"log format", Class::kLocal, Kind::kString, "%o %h [%a] %m (%u) %f %l"},
    {"name", Class::kLocal, Kind::kString, nullptr},
    {"name converter", Class::kLocal, Kind::kString, nullptr, "*"},
    {"outgoing chmod", Class::kLocal, Kind::kString, nullptr},
    {"post-xfer exec", Class::kLocal, Kind::kString, nullptr},
    {"pre-xfer exec", Class::kLocal, Kind::kString, nullptr},
    {"refuse options", Class::kLocal, Kind::kString, nullptr},
    {"secrets file", Class::kLocal, Kind::kString, nullptr},
    {"syslog tag", Class::kLocal, Kind::kString, "rsyncd"},
    {"uid", Class::kLocal, Kind::kString, nullptr},
    {"path", Class::kLocal, Kind::kPath, nullptr},
    {"temp dir", Class::kLocal, Kind::kPath, nullptr},
    {"max connections", Class::kLocal, Kind::kInt, "0"},
    {"max verbosity", Class::kLocal, Kind::kInt, "1"},
    {"timeout", Class::kLocal, Kind::kInt, "0"},
    {"syslog facility", Class::kLocal, Kind::kEnum, "daemon"},
    {"fake super", Class::kLocal, Kind::kBool, "false"},
    {"forward lookup", Class::kLocal, Kind::kBool, "true"},
    {"ignore errors", Class::kLocal, Kind::kBool, "false"},
    {"ignore nonreadable", Class::kLocal, Kind::kBool, "false"},
    {"list", Class::kLocal, Kind::kBool, "true"},
    {"read only", Class::kLocal, Kind::kBool, "true"},
    {"reverse lookup", Class::kLocal, Kind::kBool, "true"},
    {"strict modes", Class::kLocal, Kind::kBool, "true"},
    {"transfer logging", Class::kLocal, Kind::kBool, "false"},
    {"write only", Class::kLocal, Kind::kBool, "false"},
    {"munge symlinks", Class::kLocal, Kind::kBool3, "unset"},
    {"numeric ids", Class::kLocal, Kind::kBool3, "unset"},
    {"open noatime", Class::kLocal, Kind::kBool3, "unset"},
    {"use chroot", Class::kLocal, Kind::kBool3, "unset"},
};

// Upstream compares names ignoring case and all whitespace (strwiEQ).
std::string squash(const std::string& s) {
  std::string out;
  for (char c : s)
    if (!std::isspace(static_cast<unsigned char>(c)))
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

const Param* find_param(const std::string& name) {
  if (!name.empty() && name[0] == '-') return nullptr;
  const std::string key = squash(name);
  for (const auto& p : kParams)
    if (squash(p.label) == key) return &p;
  return nullptr;
}

// The label values are stored under ("address" and "port" are aliases).
std::string canonical(const Param& p) {
  const std::string l = p.label;
  if (l == "address") return "bind address";
  if (l == "port") return "rsync port";
  return l;
}

// -1: not a boolean.
int parse_bool(const std::string& v, bool allow_unset) {
  const std::string s = squash(v);
  if (s == "yes" || s == "true" || s == "1") return 1;
  if (s == "no" || s == "false" || s == "0") return 0;
  if (allow_unset && (s == "unset" || s == "-1")) return 2;
  return -1;
}

}  // namespace

bool is_known_parameter(const std::string& name) {
  return find_param(name) != nullptr;
}

std::string expand_vars(const std::string& s) {
  if (s.find('%') == std::string::npos) return s;
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] == '%' && i + 1 < s.size() && std::isupper(static_cast<unsigned char>(s[i + 1]))) {
      const size_t end = s.find('%', i + 1);
      if (end != std::string::npos) {
        const std::string var = s.substr(i + 1, end - i - 1);
        if (const char* val = std::getenv(var.c_str())) {
          out += val;
          i = end + 1;
          continue;
        }
      }
    }
    out += s[i++];
  }
  return out;
}

std::string Section::raw(const std::string& key) const {
  const auto it = values_.find(key);
  return it == values_.end() ? std::string() : it->second;
}

std::string Section::str(const std::string& key) const {
  return expand_vars(raw(key));
}

bool Section::boolean(const std::string& key) const {
  return parse_bool(raw(key), false) == 1;
}

int Section::bool3(const std::string& key) const {
  const int b = parse_bool(raw(key), true);
  return b == 2 || b < 0 ? -1 : b;
}

int Section::integer(const std::string& key) const {
  return std::atoi(raw(key).c_str());
}

int DaemonConfig::find(const std::string& name) const {
  for (int i = static_cast<int>(modules.size()) - 1; i >= 0; --i)
    if (modules[static_cast<size_t>(i)].name() == name) return i;
  return -1;
}

// ---- the parser ----

class ConfigParser {
 public:
  ConfigParser(const ConfigSource& src, const std::vector<std::string>& dparams,
               const ConfigLog& log)
      : src_(src), dparams_(dparams), log_(log) {
    for (const auto& p : kParams) vars_[canonical(p)] = p.def ? p.def : "";
  }

  Status parse_file(const std::string& path) {
    if (++depth_ > 20) return fail(path, 0, "&include nesting is too deep");
    auto text = src_.read_file(path);
    if (!text.ok()) {
      log_("unable to open config file \"" + path + "\": " + std::string(text.status().message()));
      return Status::Error(ExitCode::kSyntax, "unable to open config file \"" + path +
                                                  "\": " + std::string(text.status().message()));
    }
    Status s = parse_text(*text, path);
    --depth_;
    return s;
  }

  Status parse_text(const std::string& text, const std::string& file);

  DaemonConfig finish() {
    if (in_global_ && !dparams_applied_) apply_dparams();
    DaemonConfig cfg;
    cfg.globals.name_ = "global";
    cfg.globals.values_ = vars_;
    cfg.modules = std::move(modules_);
    return cfg;
  }

 private:
  Status fail(const std::string& file, int line, const std::string& why) {
    const std::string msg = file + " line " + std::to_string(line) + ": " + why;
    log_(msg);
    return Status::Error(ExitCode::kSyntax, msg);
  }

  void apply_dparams() {
    dparams_applied_ = true;
    for (const auto& d : dparams_) {
      const auto eq = d.find('=');
      if (eq == std::string::npos) continue;
      std::string v = d.substr(eq + 1);
      v.erase(0, v.find_first_not_of(" \t"));
      (void)set_param(d.substr(0, eq), v, "--dparam", 0);
    }
  }

  Status set_param(const std::string& name, const std::string& value, const std::string& file,
                   int line) {
    const Param* p = find_param(name);
    const std::string where = file + " line " + std::to_string(line);
    if (!p) {
      log_("IGNORING unknown parameter \"" + name + "\" (" + where + ")");
      return Status::Ok();
    }
    if (!in_global_ && p->cls == Class::kGlobal) {
      log_("Global parameter " + name + " found in module section! (" + where + ")");
      return Status::Ok();
    }
    std::string v = value;
    if (p->kind == Kind::kBool || p->kind == Kind::kBool3) {
      if (parse_bool(expand_vars(v), p->kind == Kind::kBool3) < 0) {
        log_("Badly formed boolean in configuration file: \"" + v + "\". (" + where + ")");
        return Status::Ok();
      }
    }
    if (p->kind == Kind::kPath) {
      while (v.size() > 1 && v.back() == '/') v.pop_back();
    }
    if (p->unsupported) {
      const bool bad =
          std::string(p->unsupported) == "*" ? !v.empty() : parse_bool(expand_vars(v), false) == 1;
      if (bad)
        return fail(file, line,
                    "parameter \"" + std::string(p->label) + "\" is not supported by crsync");
    }
    auto& target = in_global_ ? vars_ : modules_[static_cast<size_t>(current_)].values_;
    target[canonical(*p)] = v;
    return Status::Ok();
  }

  Status start_section(const std::string& name, const std::string& file, int line) {
    const bool global = squash(name) == "global";
    if (in_global_ && !global && modules_.empty() && !dparams_applied_) apply_dparams();
    in_global_ = global;
    if (global) return Status::Ok();
    if (name.find('/') != std::string::npos)
      return fail(file, line, "Warning: invalid section name in configuration file: " + name);
    for (size_t i = modules_.size(); i-- > 0;) {
      if (squash(modules_[i].name_) == squash(name)) {
        current_ = static_cast<int>(i);
        return Status::Ok();
      }
    }
    Section s;
    s.name_ = name;
    for (const auto& p : kParams)
      if (p.cls == Class::kLocal) s.values_[canonical(p)] = vars_[canonical(p)];
    modules_.push_back(std::move(s));
    current_ = static_cast<int>(modules_.size()) - 1;
    return Status::Ok();
  }

  Status directive(const std::string& name, const std::string& value, const std::string& file,
                   int line) {
    const std::string n = squash(name);
    if (n != "&include" && n != "&merge")
      return fail(file, line, "Unknown directive: " + name + ".");
    const bool manage_globals = n == "&include";
    const std::string path = value;
    if (!src_.is_dir(path)) {
      const auto saved = vars_;
      const bool saved_global = in_global_;
      Status s = parse_file(path);
      if (manage_globals) {
        vars_ = saved;
        in_global_ = true;
      } else {
        (void)saved_global;
      }
      return s;
    }
    auto names = src_.list_dir(path);
    if (!names.ok()) return fail(file, line, "unable to open config dir \"" + path + "\"");
    std::vector<std::string> files;
    for (const auto& d : *names)
      if (filter::wildmatch(manage_globals ? "*.conf" : "*.inc", d))
        files.push_back(path + "/" + d);
    std::sort(files.begin(), files.end());
    const auto saved = vars_;
    for (const auto& f : files) {
      if (manage_globals) {
        vars_ = saved;
        in_global_ = true;
      }
      CRSYNC_RETURN_IF_ERROR(parse_file(f));
    }
    if (manage_globals && !files.empty()) {
      vars_ = saved;
      in_global_ = true;
    }
    return Status::Ok();
  }

  const ConfigSource& src_;
  const std::vector<std::string>& dparams_;
  const ConfigLog& log_;
  std::map<std::string, std::string> vars_;  // globals + module defaults
  std::vector<Section> modules_;
  int current_ = -1;
  bool in_global_ = true;
  bool dparams_applied_ = false;
  int depth_ = 0;
};

// One logical line at a time: comments and blank lines skipped, a trailing
// '\' joins the next line, '\r' dropped.
Status ConfigParser::parse_text(const std::string& text, const std::string& file) {
  std::istringstream in(text);
  std::string raw;
  int lineno = 0;
  auto trim = [](std::string s) {
    const auto b = s.find_first_not_of(" \t\r\f\v");
    if (b == std::string::npos) return std::string();
    const auto e = s.find_last_not_of(" \t\r\f\v");
    return s.substr(b, e - b + 1);
  };
  while (std::getline(in, raw)) {
    ++lineno;
    const int start_line = lineno;
    raw.erase(std::remove(raw.begin(), raw.end(), '\r'), raw.end());
    if (raw.find('\0') != std::string::npos) raw.resize(raw.find('\0'));
    std::string line = trim(raw);
    if (line.empty() || line[0] == ';' || line[0] == '#') continue;
    // Continuations.
    while (!line.empty() && line.back() == '\\') {
      line.pop_back();
      std::string next;
      if (!std::getline(in, next)) break;
      ++lineno;
      next.erase(std::remove(next.begin(), next.end(), '\r'), next.end());
      line = trim(line) + " " + trim(next);
      line = trim(line);
    }
    if (line[0] == '\\') continue;
    if (line[0] == '[') {
      const auto close = line.find(']');
      if (close == std::string::npos)
        return fail(file, start_line,
                    "params.c:Section() - Badly formed line in config file: " + line);
      // One space per whitespace run.
      std::string name;
      bool space = false;
      for (char c : trim(line.substr(1, close - 1))) {
        if (std::isspace(static_cast<unsigned char>(c))) {
          space = true;
          continue;
        }
        if (space && !name.empty()) name += ' ';
        space = false;
        name += c;
      }
      if (name.empty())
        return fail(file, start_line, "params.c:Section() - Empty section name in config file.");
      CRSYNC_RETURN_IF_ERROR(start_section(name, file, start_line));
      continue;
    }
    if (line[0] == '&') {
      const auto sp = line.find_first_of(" \t=");
      std::string name = line.substr(0, sp);
      std::string value = sp == std::string::npos ? std::string() : trim(line.substr(sp));
      if (!value.empty() && value[0] == '=') value = trim(value.substr(1));
      CRSYNC_RETURN_IF_ERROR(directive(name, value, file, start_line));
      continue;
    }
    const auto eq = line.find('=');
    if (eq == std::string::npos) {
      log_("params.c:Parameter() - Ignoring badly formed line in config file: " + line + " (" +
           file + " line " + std::to_string(start_line) + ")");
      continue;
    }
    const std::string name = trim(line.substr(0, eq));
    if (name.empty())
      return fail(file, start_line,
                  "params.c:Parameter() - Invalid parameter name in config file.");
    CRSYNC_RETURN_IF_ERROR(set_param(name, trim(line.substr(eq + 1)), file, start_line));
  }
  return Status::Ok();
}

Result<DaemonConfig> parse_config_text(const std::string& text, const std::string& name,
                                       const ConfigSource& src,
                                       const std::vector<std::string>& dparams,
                                       const ConfigLog& log) {
  ConfigParser p(src, dparams, log);
  CRSYNC_RETURN_IF_ERROR(p.parse_text(text, name));
  return p.finish();
}

Result<DaemonConfig> load_config(const std::string& path, const ConfigSource& src,
                                 const std::vector<std::string>& dparams, const ConfigLog& log) {
  ConfigParser p(src, dparams, log);
  CRSYNC_RETURN_IF_ERROR(p.parse_file(path));
  return p.finish();
}

ConfigSource file_config_source() {
  ConfigSource s;
  s.read_file = [](const std::string& path) -> Result<std::string> {
    std::ifstream f(path, std::ios::binary);
    if (!f) return Status::Error(ExitCode::kSyntax, std::strerror(errno));
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
  };
  s.list_dir = [](const std::string& dir) -> Result<std::vector<std::string>> {
    DIR* d = ::opendir(dir.c_str());
    if (!d) return Status::Error(ExitCode::kSyntax, std::strerror(errno));
    std::vector<std::string> out;
    while (dirent* e = ::readdir(d)) out.emplace_back(e->d_name);
    ::closedir(d);
    return out;
  };
  s.is_dir = [](const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  };
  return s;
}

}  // namespace crsync::daemon
