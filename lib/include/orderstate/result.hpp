// Result<T>: a value or an Error, for outcomes a caller is expected to handle
// (not found, not open, bad input, storage trouble). Exceptions are not used for
// these. Plain values: copy freely; thread-compatible.
#pragma once

#include <cassert>
#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace orderstate {

// The one list of error codes. Pick the most specific.
enum class Errc {
  // Malformed input: the request can never succeed as written.
  InvalidArgument,
  // The order or position does not exist for this account.
  NotFound,
  // The record exists but its state forbids the action (e.g. cancel a FILLED
  // order). Retrying the same request will not help.
  NotOpen,
  // The request contradicts what is stored under the same idempotency key
  // (a client_order_id reused with other parameters). Nothing changed.
  Conflict,
  // Storage is busy or unreachable (lock timeout, disk gone). A retry may help.
  Unavailable,
  // Storage failed in a way a retry will not fix (corruption, full disk,
  // schema newer than this code). The message is for logs, not for clients.
  Storage,
  // What was asked for is no longer kept: a stream cursor older than the
  // journal's retention (HTTP 410). Error::oldest_seq says where it resumes.
  Gone,
};

const char* to_string(Errc code);

struct Error {
  Errc code;
  // For humans. InvalidArgument messages describe the caller's input and are
  // safe to show to clients; Unavailable/Storage messages are for logs only.
  std::string message;
  // Gone only: the oldest stream number still kept (read after it - 1).
  std::int64_t oldest_seq = 0;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT
  Result() = delete;                             // `return {}` must not pass for success

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // REQUIRES: ok()
  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // REQUIRES: !ok()
  const Error& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }
  Errc code() const { return error().code; }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success carries nothing.
struct Ok {};
template <>
class [[nodiscard]] Result<void> {
 public:
  Result(Ok) {}                                                  // NOLINT
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT
  Result() = delete;

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const {
    assert(!ok_);
    return error_;
  }
  Errc code() const { return error().code; }

 private:
  Error error_{Errc::Storage, {}};
  bool ok_ = true;
};

inline Error invalid_argument(std::string m) {
  return {Errc::InvalidArgument, std::move(m)};
}
inline Error not_found(std::string m) {
  return {Errc::NotFound, std::move(m)};
}
inline Error not_open(std::string m) {
  return {Errc::NotOpen, std::move(m)};
}
inline Error unavailable(std::string m) {
  return {Errc::Unavailable, std::move(m)};
}
inline Error storage_error(std::string m) {
  return {Errc::Storage, std::move(m)};
}

}  // namespace orderstate
