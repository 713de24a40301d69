// RequestFramer: reads HTTP/1.1 requests off a byte stream by the rules of
// RFC 9112, strictly, so that every byte a client sends is framed once and
// means one thing. Tokenizing is Debian's http-parser 2.9 (Node.js's parser
// for a decade); Debian builds it without HTTP_PARSER_STRICT, so this class
// adds the checks that build leaves out (bare CR or LF, obs-fold, whitespace
// in or before a field name, the CRLF after chunk data, the request line's
// exact shape) and the ones no parser makes (Host, duplicate Authorization,
// codings we do not speak, limits).
//
// Every defect is a Refusal: the caller answers it and closes the connection,
// reading nothing more (RFC 9112 §6.3, §7.1: after a framing error the rest
// of the stream has no reliable meaning). A complete request is handed over
// whole, body de-chunked, with the framing fields removed and the keep-alive
// decision made (Connection options are case-insensitive tokens, §9.6).
// Thread-safety: none; one framer per connection.
#pragma once

#include <http_parser.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace orderstate::server {

struct FramingLimits {
  std::size_t max_head_bytes = 64 * 1024;  // request line and header section
  std::size_t max_body_bytes = 64 * 1024;  // the decoded body
  std::size_t max_fields = 100;            // header fields
};

// One request, as the application should see it.
struct FramedRequest {
  std::string method;  // as sent ("GET")
  std::string target;  // request-target as sent: visible ASCII only
  int minor = 1;       // HTTP/1.<minor>, 0 or 1
  // End-to-end fields in order, names and values byte for byte as sent (values
  // without surrounding whitespace). Removed: Content-Length, Transfer-Encoding,
  // Connection, Keep-Alive, Proxy-Connection, TE, Upgrade, Expect, Range,
  // If-Range, Content-Encoding (only "identity" gets this far),
  // Accept-Encoding (answers are identity) and the names
  // cpp-httplib uses for the peer's address (REMOTE_ADDR, ...).
  std::vector<std::pair<std::string, std::string>> fields;
  std::string body;
  bool keep_alive = true;  // false: answer with Connection: close, then close
};

// Why a request was refused: the status to answer and a short message.
struct Refusal {
  int status = 0;
  std::string_view message;
};

class RequestFramer {
 public:
  enum class State { Idle, Partial, Complete, Refused };

  explicit RequestFramer(FramingLimits limits = {});
  RequestFramer(const RequestFramer&) = delete;
  RequestFramer& operator=(const RequestFramer&) = delete;

  // Reads from `data`; returns how many bytes belong to the current request.
  // Stops right after a complete request (the rest is the next one's) and
  // consumes nothing once Complete or Refused.
  std::size_t feed(const char* data, std::size_t size);

  State state() const { return state_; }
  // True once, when the header section asked for "100-continue" and the body
  // is still to come: the caller sends the interim 100 answer (RFC 9110 §10.1.1).
  bool take_continue();
  // Valid when Refused.
  const Refusal& refusal() const { return refusal_; }
  // True when the request (as far as read) is a HEAD: an answer carries no body.
  bool head_request() const;
  // The complete request; the framer starts over for the next one.
  FramedRequest take();

 private:
  static int on_url(http_parser* p, const char* at, std::size_t n);
  static int on_field(http_parser* p, const char* at, std::size_t n);
  static int on_value(http_parser* p, const char* at, std::size_t n);
  static int on_headers_complete(http_parser* p);
  static int on_body(http_parser* p, const char* at, std::size_t n);
  static int on_chunk_header(http_parser* p);
  static int on_message_complete(http_parser* p);

  void reset();
  void refuse(int status, std::string_view message);
  // From a parser callback: stops the parser; feed() refuses once the bytes
  // before this point passed scan() (which may find an earlier defect).
  void refuse_later(int status, std::string_view message);
  bool check_headers();
  bool scan(const char* data, std::size_t size);

  FramingLimits limits_;
  http_parser parser_{};
  http_parser_settings settings_{};
  State state_ = State::Idle;
  Refusal refusal_;
  Refusal pending_;  // a callback's refusal, not yet in force
  FramedRequest request_;
  // Fields as they arrive (a name or value may come in pieces).
  std::vector<std::pair<std::string, std::string>> raw_fields_;
  bool in_value_ = false;
  bool headers_done_ = false;
  bool want_continue_ = false;
  // The byte-level checks, over everything but body data.
  struct BodySpan {
    const char* at;
    std::size_t size;
    bool ends_chunk;
  };
  std::vector<BodySpan> spans_;    // this feed's body data
  std::size_t chunk_left_ = 0;     // data bytes still due in the current chunk
  std::size_t declared_body_ = 0;  // the chunk sizes declared so far
  std::size_t framing_bytes_ = 0;
  std::string first_line_;
  bool first_line_done_ = false;
  int empty_lines_ = 0;  // before the request line
  bool last_cr_ = false;
  bool line_start_ = true;
  int crlf_due_ = 0;  // after chunk data: 2 = CR due, 1 = LF due
  bool chunked_ = false;
  bool head_over_ = false;       // the header section's empty line was scanned
  bool line_has_bytes_ = false;  // the line being scanned is not empty
  bool chunk_line_ = false;      // reading a chunk-size line (checked at its LF)
  std::string chunk_text_;
};

}  // namespace orderstate::server
