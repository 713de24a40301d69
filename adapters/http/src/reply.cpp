#include "reply.hpp"

#include "json.hpp"

namespace orderstate::http {

void send_json(httplib::Response& res, int status, std::string body) {
  res.status = status;
  res.set_content(std::move(body), "application/json");
}

void send_error(httplib::Response& res, int status, std::string_view message) {
  send_json(res, status, error_body(message));
}

ErrorReply error_reply(const Error& error, const ErrorWords& words) {
  switch (error.code) {
    case Errc::InvalidArgument:
      return {400, std::string(words.show_invalid_message ? error.message : kInvalidPayload)};
    case Errc::NotFound:
      return {404, std::string(words.not_found)};
    case Errc::NotOpen:
      if (words.not_open_is_not_found) return {404, std::string(words.not_found)};
      return {409, std::string(words.not_open)};
    case Errc::Conflict:
      return {409, error.message};
    case Errc::Unavailable:
      return {503, std::string(kStorageUnavailable)};
    case Errc::Gone:
      return {410, error.message};
    default:
      return {500, std::string(kInternalError)};
  }
}

void send_failure(httplib::Response& res, const Error& error, const ErrorWords& words,
                  const std::function<void(std::string_view)>& log) {
  const ErrorReply reply = error_reply(error, words);
  if (reply.status >= 500 && log) log(error.message);
  if (error.code == Errc::Gone) {  // where the reader can resume
    return send_json(res, reply.status, error_body(reply.message, "oldest_seq", error.oldest_seq));
  }
  send_error(res, reply.status, reply.message);
}

}  // namespace orderstate::http
