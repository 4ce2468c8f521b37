#include "session/output.h"

#include <langinfo.h>

#include <cctype>
#include <cstdio>
#include <cstring>

namespace crsync::session {

namespace {

// Length of a valid UTF-8 sequence starting at s[i], or 0.
size_t utf8_len(const std::string& s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
  if (c >= 0xE0 && c < 0xF0) n = 3;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  return n;
}

}  // namespace

bool locale_is_utf8() {
  const char* cs = nl_langinfo(CODESET);
  return cs && (std::strcmp(cs, "UTF-8") == 0 || std::strcmp(cs, "utf8") == 0);
}

std::string escape_for_output(const std::string& text, bool utf8_locale) {
  std::string body = text;
  std::string tail;
  if (!body.empty() && (body.back() == '\n' || body.back() == '\r')) {
    tail = body.substr(body.size() - 1);
    body.pop_back();
  }
  std::string out;
  const auto esc = [&](unsigned char c) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\#%03o", c);
    out += buf;
  };
  for (size_t i = 0; i < body.size();) {
    const auto c = static_cast<unsigned char>(body[i]);
    if (c == '\\' && i + 4 < body.size() && body[i + 1] == '#' &&
        std::isdigit(static_cast<unsigned char>(body[i + 2])) &&
        std::isdigit(static_cast<unsigned char>(body[i + 3])) &&
        std::isdigit(static_cast<unsigned char>(body[i + 4]))) {
      esc(c);
      ++i;
      continue;
    }
    if (c >= 0x80) {
      const size_t n = utf8_locale ? utf8_len(body, i) : 0;
      if (n) {
        out.append(body, i, n);
        i += n;
      } else {
        esc(c);
        ++i;
      }
      continue;
    }
    if (c < ' ' && c != '\t') {
      esc(c);
      ++i;
      continue;
    }
    out += static_cast<char>(c);
    ++i;
  }
  return out + tail;
}

namespace {

// Escapes each line on its own, as upstream writes one message per line.
std::string escape_lines(const std::string& text, bool utf8) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    size_t j = text.find('\n', i);
    j = j == std::string::npos ? text.size() : j + 1;
    out += escape_for_output(text.substr(i, j - i), utf8);
    i = j;
  }
  return out;
}

}  // namespace

ClientOutput::~ClientOutput() {
  std::lock_guard<std::mutex> lock(mu_);
  end_progress_line(stdout);
}

void ClientOutput::end_progress_line(std::FILE* f) {
  if (!needs_newline_) return;
  std::fputc('\n', f);
  std::fflush(f);
  needs_newline_ = false;
}

void ClientOutput::info(const std::string& text) {
  if (quiet) return;
  std::lock_guard<std::mutex> lock(mu_);
  end_progress_line(stdout);
  std::fputs(escape_lines(text, utf8_).c_str(), stdout);
  std::fflush(stdout);
}

void ClientOutput::progress(const std::string& text, bool unfinished, bool same_line) {
  if (quiet) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (same_line)
    needs_newline_ = false;
  else
    end_progress_line(stdout);
  // The leading carriage return goes out as it is.
  const bool cr = !text.empty() && text[0] == '\r';
  if (cr) std::fputc('\r', stdout);
  std::fputs(escape_for_output(cr ? text.substr(1) : text, utf8_).c_str(), stdout);
  std::fflush(stdout);
  needs_newline_ = unfinished;
}

void ClientOutput::error(const std::string& text) {
  std::lock_guard<std::mutex> lock(mu_);
  std::fflush(stdout);
  end_progress_line(stderr);
  std::fputs(escape_lines(text, utf8_).c_str(), stderr);
}

void ClientOutput::warning(const std::string& text) {
  error(text);
}

void ServerOutput::info(const std::string& text) {
  if (quiet) return;
  if (out_.multiplexed()) {
    (void)out_.send_msg(wire::MsgCode::kInfo, as_bytes(text));
    return;
  }
  std::fputs(text.c_str(), stderr);
}

void ServerOutput::error(const std::string& text) {
  if (errors_as_msgs_ && out_.multiplexed()) {
    (void)out_.send_msg(protocol_ < 30 ? wire::MsgCode::kErrorXfer : wire::MsgCode::kError,
                        as_bytes(text));
    return;
  }
  std::fputs(text.c_str(), stderr);
}

void ServerOutput::xfer_error(const std::string& text) {
  if (errors_as_msgs_ && out_.multiplexed()) {
    (void)out_.send_msg(wire::MsgCode::kErrorXfer, as_bytes(text));
    return;
  }
  std::fputs(text.c_str(), stderr);
}

void ServerOutput::warning(const std::string& text) {
  if (errors_as_msgs_ && out_.multiplexed()) {
    (void)out_.send_msg(protocol_ < 30 ? wire::MsgCode::kInfo : wire::MsgCode::kWarning,
                        as_bytes(text));
    return;
  }
  std::fputs(text.c_str(), stderr);
}

}  // namespace crsync::session
