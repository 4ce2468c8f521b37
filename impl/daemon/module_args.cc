#include "daemon/module_args.h"

#include "daemon/glob_expand.h"

namespace crsync::daemon {

Status ArgsDecoder::feed(ByteReader& r) {
  while (!done_) {
    uint8_t b = 0;
    if (!r.copy(&b, 1).ok()) return Status::NeedMore();
    const char c = static_cast<char>(b);
    if (!nul_ && c == '\r') continue;
    if (c == (nul_ ? '\0' : '\n')) {
      if (cur_.empty()) {
        done_ = true;
        break;
      }
      if (args_.size() >= kMaxArgCount)
        return Status::Protocol("too many arguments from the client");
      args_.push_back(std::move(cur_));
      cur_.clear();
      continue;
    }
    if (cur_.size() >= kMaxArgLen) return Status::Protocol("argument too long from the client");
    if (++total_ > kMaxArgBytes) return Status::Protocol("too much argument data from the client");
    cur_ += c;
  }
  return Status::Ok();
}

std::string sanitize_path(const std::string& in) {
  std::string out;
  size_t i = 0;
  const size_t n = in.size();
  while (i < n) {
    if (in[i] == '/') {
      ++i;
      continue;
    }
    size_t j = in.find('/', i);
    if (j == std::string::npos) j = n;
    const std::string comp = in.substr(i, j - i);
    if (comp == "..") {
      // Back up one component (or drop it at the start).
      if (!out.empty()) {
        out.pop_back();  // the slash after the previous component
        const auto s = out.rfind('/');
        out.resize(s == std::string::npos ? 0 : s + 1);
      }
      i = j < n ? j + 1 : j;
      continue;
    }
    out += comp;
    if (j < n) out += '/';
    i = j < n ? j + 1 : j;
  }
  if (out.empty()) out = ".";
  return out;
}

std::string sanitize_path(const std::string& in, int depth) {
  if (!in.empty() && in[0] == '/') depth = 0;  // rooted at the module: no climbing
  std::vector<std::string> kept;               // components after the allowed ".." ones
  std::string lead;                            // the allowed leading "../"s
  size_t i = 0;
  while (i < in.size()) {
    size_t j = in.find('/', i);
    if (j == std::string::npos) j = in.size();
    const std::string comp = in.substr(i, j - i);
    i = j + 1;
    if (comp.empty() || comp == ".") continue;
    if (comp == "..") {
      // (Nothing kept since the start: upstream lets it climb, `depth`
      // times in all.)
      if (kept.empty() && depth > 0) {
        --depth;
        lead += "../";
      } else if (!kept.empty()) {
        kept.pop_back();
      }
      continue;
    }
    kept.push_back(comp);
  }
  std::string out = lead;
  for (size_t k = 0; k < kept.size(); ++k) out += (k ? "/" : "") + kept[k];
  if (!kept.empty() && in.size() > 1 && in.back() == '/') out += '/';
  if (out.empty()) out = ".";
  return out;
}

std::string clean_path(const std::string& in) {
  const bool abs = !in.empty() && in[0] == '/';
  const bool trailing = in.size() > 1 && in.back() == '/';
  std::vector<std::string> comps;
  size_t i = 0;
  while (i <= in.size()) {
    size_t j = in.find('/', i);
    if (j == std::string::npos) j = in.size();
    const std::string c = in.substr(i, j - i);
    if (c == "..") {
      if (!comps.empty() && comps.back() != ".." && comps.back() != ".")
        comps.pop_back();
      else if (!abs)
        comps.push_back(c);
    } else if (!c.empty()) {
      comps.push_back(c);
    }
    i = j + 1;
  }
  std::string out = abs ? "/" : "";
  for (size_t k = 0; k < comps.size(); ++k) {
    if (k) out += '/';
    out += comps[k];
  }
  if (trailing && !comps.empty()) out += '/';
  if (out.empty()) out = ".";
  return out;
}

std::vector<std::string> module_paths(const std::string& module,
                                      const std::vector<std::string>& args, bool sanitize,
                                      const GlobFilter& allowed) {
  std::vector<std::string> out;
  const std::string sep = " " + module + "/";
  for (std::string a : args) {
    if (a.empty()) continue;
    if (a.compare(0, module.size(), module) == 0) a = a.substr(module.size());
    size_t s = 0;
    for (;;) {
      const size_t p = a.find(sep, s);
      const std::string piece = a.substr(s, p == std::string::npos ? std::string::npos : p - s);
      glob_expand(sanitize ? sanitize_path(piece) : clean_path(piece), &out, allowed);
      if (p == std::string::npos) break;
      s = p + sep.size();
    }
  }
  return out;
}

}  // namespace crsync::daemon
