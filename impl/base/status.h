// Errors as values. A Status is either OK, "need more input" (a decoder ran
// out of bytes: not yet a failure, the driver supplies more and retries), or
// an error carrying the rsync exit code decided where the failure is
// understood, plus a message. OK and need-more cost one pointer and no
// allocation.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "base/exit_code.h"

namespace crsync {

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK

  static Status Ok() { return Status(); }
  // Input ended inside an element: a streaming caller waits for more bytes;
  // at a true end of stream it becomes a stream error (see at_eof()).
  static Status NeedMore() { return Status(Kind::kNeedMore, ExitCode::kStreamIo, {}); }
  // A failure with the exit code rsync would exit with.
  static Status Error(ExitCode code, std::string message) {
    return Status(Kind::kError, code, std::move(message));
  }
  // Hostile or malformed peer input (see check.h).
  static Status Protocol(std::string message) {
    return Error(ExitCode::kProtocol, std::move(message));
  }
  static Status Stream(std::string message) {
    return Error(ExitCode::kStreamIo, std::move(message));
  }

  bool ok() const { return rep_ == nullptr; }
  bool need_more() const { return rep_ && rep_->kind == Kind::kNeedMore; }
  bool is_error() const { return rep_ && rep_->kind == Kind::kError; }
  ExitCode exit_code() const { return rep_ ? rep_->code : ExitCode::kOk; }
  int exit_status() const { return static_cast<int>(exit_code()); }
  std::string_view message() const {
    return rep_ ? std::string_view(rep_->message) : std::string_view();
  }

  // Turns need-more into the error a true end of stream means.
  Status at_eof(std::string_view what) const;

  std::string to_string() const;

  Status(const Status& other) : rep_(other.rep_ ? std::make_unique<Rep>(*other.rep_) : nullptr) {}
  Status& operator=(const Status& other) {
    if (this != &other) rep_ = other.rep_ ? std::make_unique<Rep>(*other.rep_) : nullptr;
    return *this;
  }
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

 private:
  enum class Kind { kNeedMore, kError };
  struct Rep {
    Kind kind;
    ExitCode code;
    std::string message;
  };
  Status(Kind kind, ExitCode code, std::string message)
      : rep_(std::make_unique<Rep>(Rep{kind, code, std::move(message)})) {}

  std::unique_ptr<Rep> rep_;
};

// A value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (status_.ok()) status_ = Status::Error(ExitCode::kIpc, "Result built from an OK status");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace crsync

// Propagates a non-OK Status (including need-more) to the caller.
#define CRSYNC_RETURN_IF_ERROR(expr)       \
  do {                                     \
    ::crsync::Status crsync_s_ = (expr);   \
    if (!crsync_s_.ok()) return crsync_s_; \
  } while (0)

#define CRSYNC_CONCAT_INNER_(a, b) a##b
#define CRSYNC_CONCAT_(a, b) CRSYNC_CONCAT_INNER_(a, b)
// `CRSYNC_ASSIGN_OR_RETURN(auto x, f());` unwraps a Result or returns its Status.
#define CRSYNC_ASSIGN_OR_RETURN(lhs, expr) \
  CRSYNC_ASSIGN_OR_RETURN_IMPL_(CRSYNC_CONCAT_(crsync_r_, __LINE__), lhs, expr)
#define CRSYNC_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(tmp).value()
