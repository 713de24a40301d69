// Writing responses (private): every body is JSON with Content-Type
// application/json, and Result error codes become HTTP statuses in one place
// (error_reply). Stateless; thread-safe.
#pragma once

#include <httplib.h>

#include <functional>
#include <string>
#include <string_view>

#include "orderstate/result.hpp"

namespace orderstate::http {

inline constexpr std::string_view kInvalidPayload = "invalid request payload";
inline constexpr std::string_view kInternalError = "internal error";
inline constexpr std::string_view kStorageUnavailable = "storage unavailable";

void send_json(httplib::Response& res, int status, std::string body);
void send_error(httplib::Response& res, int status, std::string_view message);

// What a route says for the codes it can meet.
struct ErrorWords {
  std::string_view not_found = "not found";
  std::string_view not_open = "order is not open";
  bool not_open_is_not_found = false;  // answer NotOpen like NotFound
  bool show_invalid_message = false;   // InvalidArgument: the core's (client-safe) text
};

struct ErrorReply {
  int status;
  std::string message;
};

// The one mapping from Errc to HTTP: InvalidArgument 400, NotFound 404,
// NotOpen and Conflict 409, Gone 410, Unavailable 503, anything else 500.
ErrorReply error_reply(const Error& error, const ErrorWords& words);

// Sends error_reply(error); storage failures' log-only text goes to `log`.
void send_failure(httplib::Response& res, const Error& error, const ErrorWords& words,
                  const std::function<void(std::string_view)>& log);

}  // namespace orderstate::http
