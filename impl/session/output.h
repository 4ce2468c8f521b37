// Where a role's messages go. On a client: informational lines to stdout,
// errors and warnings to stderr. On a server: informational lines travel to
// the client as MSG_INFO; errors go to the server's stderr (upstream's
// default for remote-shell servers), or as MSG_ERROR on a daemon socket.
#pragma once

#include <cstdio>
#include <mutex>
#include <string>

#include "session/mux_io.h"

namespace crsync::session {

class Output {
 public:
  virtual ~Output() = default;
  virtual void info(const std::string& text) = 0;     // FINFO/FCLIENT, text ends in '\n'
  virtual void error(const std::string& text) = 0;    // FERROR/FERROR_XFER
  virtual void warning(const std::string& text) = 0;  // FWARNING
  // An error of the file-list walk (upstream FERROR_XFER): a server sends
  // it as MSG_ERROR_XFER; elsewhere it is an error like any other.
  virtual void xfer_error(const std::string& text) { error(text); }
  // A --progress line: it starts with '\r'; an `unfinished` one has no
  // newline, so whatever is printed next starts a new line first.
  // `same_line`: an unfinished line before it is not ended first (an
  // update overwrites it).
  virtual void progress(const std::string& text, bool unfinished, bool same_line = true) {
    (void)unfinished;
    (void)same_line;
    info(text);
  }
  // Errors of the partial-transfer kind (FERROR_XFER) make the exit code 23.
  bool had_xfer_error() const { return xfer_error_; }
  void note_xfer_error() { xfer_error_ = true; }
  std::string who = "sender";  // role label in "[sender]" prefixes
  bool quiet = false;

 protected:
  bool xfer_error_ = false;
};

// Escapes what a terminal should not get raw, as upstream's rwrite does:
// control characters (not tab) and bytes the locale's character set cannot
// represent become "\#ooo" (octal), and so does the backslash of a literal
// "\#ddd" in a name. A trailing newline is kept.
std::string escape_for_output(const std::string& text, bool utf8_locale);
// Whether LC_CTYPE (as set from the environment) is UTF-8.
bool locale_is_utf8();

class ClientOutput : public Output {
 public:
  // Ends an unfinished progress line (upstream's exit cleanup).
  ~ClientOutput() override;
  void info(const std::string& text) override;
  void error(const std::string& text) override;
  void warning(const std::string& text) override;
  void progress(const std::string& text, bool unfinished, bool same_line = true) override;

 private:
  void end_progress_line(std::FILE* f);
  std::mutex mu_;
  bool utf8_ = locale_is_utf8();
  bool needs_newline_ = false;  // upstream output_needs_newline
};

class ServerOutput : public Output {
 public:
  ServerOutput(MuxOut& out, bool errors_as_messages)
      : out_(out), errors_as_msgs_(errors_as_messages) {}
  // Below 29 a server sends its errors and warnings over the connection
  // too (upstream forces msgs2stderr off there), and below 30 as
  // MSG_ERROR_XFER / MSG_INFO.
  void set_protocol(int protocol) {
    protocol_ = protocol;
    if (protocol <= 28) errors_as_msgs_ = true;
  }
  void info(const std::string& text) override;
  void error(const std::string& text) override;
  void warning(const std::string& text) override;
  void xfer_error(const std::string& text) override;

 private:
  MuxOut& out_;
  bool errors_as_msgs_;
  int protocol_ = 32;
};

}  // namespace crsync::session
