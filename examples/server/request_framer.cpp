#include "request_framer.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <climits>

namespace orderstate::server {
namespace {

constexpr Refusal kBadRequest{400, "bad request"};
// cpp-httplib 0.11 answers 414 past this (CPPHTTPLIB_REQUEST_URI_MAX_LENGTH);
// the framer says so before holding more of it.
constexpr std::size_t kMaxRequestLine = 8192;

// RFC 9110 §5.6.2: token = 1*tchar. A table: every field name goes through it.
constexpr std::array<bool, 256> kTchar = [] {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = t[c - 'a' + 'A'] = true;
  for (const char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
  return t;
}();

bool is_tchar(unsigned char c) {
  return kTchar[c];
}

// RFC 9110 §5.5: field-vchar or SP/HTAB; obs-text (0x80-0xFF) is kept as bytes.
bool is_field_byte(unsigned char c) {
  return c == '\t' || (c >= 0x20 && c != 0x7f);
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls `fn` with each comma-separated element of a field value, trimmed;
// empty elements are skipped (RFC 9110 §5.6.1).
template <class Fn>
void for_each_element(std::string_view value, Fn fn) {
  while (true) {
    const auto comma = value.find(',');
    if (const auto element = trim(value.substr(0, comma)); !element.empty()) fn(element);
    if (comma == std::string_view::npos) return;
    value.remove_prefix(comma + 1);
  }
}

// Fields the framer consumes: they describe this hop's framing, not the
// request. Accept-Encoding too: answers are identity JSON (cpp-httplib would
// compress them without a Vary, and a shared cache could serve brotli to a
// client that never asked).
bool is_framing_field(std::string_view name) {
  static constexpr std::string_view kNames[] = {"Content-Length",
                                                "Transfer-Encoding",
                                                "Connection",
                                                "Keep-Alive",
                                                "Proxy-Connection",
                                                "TE",
                                                "Upgrade",
                                                "Expect",
                                                "Range",
                                                "If-Range",
                                                "Content-Encoding",
                                                "Accept-Encoding",
                                                "REMOTE_ADDR",
                                                "REMOTE_PORT",
                                                "LOCAL_ADDR",
                                                "LOCAL_PORT"};
  return std::any_of(std::begin(kNames), std::end(kNames),
                     [&](std::string_view n) { return iequals(n, name); });
}

// RFC 9112 §7.1: chunk-size [ chunk-ext ], with chunk-ext = *( ";" name
// [ "=" value ] ), value a token or a quoted-string. No whitespace: http-parser
// alone skips anything after a space or ';' up to the CR.
bool is_chunk_size_line(std::string_view line) {
  std::size_t i = 0;
  while (i < line.size() && std::isxdigit(static_cast<unsigned char>(line[i]))) ++i;
  if (i == 0 || i > 16) return false;
  auto token = [&] {
    const std::size_t start = i;
    while (i < line.size() && kTchar[static_cast<unsigned char>(line[i])]) ++i;
    return i > start;
  };
  while (i < line.size()) {
    if (line[i++] != ';' || !token()) return false;
    if (i == line.size() || line[i] != '=') continue;
    ++i;
    if (i < line.size() && line[i] == '"') {
      for (++i; i < line.size() && line[i] != '"'; ++i) {
        const auto c = static_cast<unsigned char>(line[i]);
        if (c == '\\') ++i;
        if (i >= line.size() || c < 0x20 || c == 0x7f) return false;
      }
      if (i++ >= line.size()) return false;  // no closing quote
    } else if (!token()) {
      return false;
    }
  }
  return true;
}

RequestFramer* self(http_parser* p) {
  return static_cast<RequestFramer*>(p->data);
}

}  // namespace

RequestFramer::RequestFramer(FramingLimits limits) : limits_(limits) {
  settings_.on_url = on_url;
  settings_.on_header_field = on_field;
  settings_.on_header_value = on_value;
  settings_.on_headers_complete = on_headers_complete;
  settings_.on_body = on_body;
  settings_.on_chunk_header = on_chunk_header;
  settings_.on_message_complete = on_message_complete;
  reset();
}

void RequestFramer::reset() {
  http_parser_init(&parser_, HTTP_REQUEST);
  parser_.data = this;
  state_ = State::Idle;
  refusal_ = {};
  pending_ = {};
  request_ = {};
  raw_fields_.clear();
  in_value_ = headers_done_ = want_continue_ = chunked_ = head_over_ = line_has_bytes_ = false;
  spans_.clear();
  chunk_left_ = framing_bytes_ = declared_body_ = 0;
  first_line_ = std::string();  // give back what a long request line took
  first_line_done_ = last_cr_ = false;
  chunk_line_ = false;
  chunk_text_.clear();
  empty_lines_ = 0;
  line_start_ = true;
  crlf_due_ = 0;
}

void RequestFramer::refuse_later(int status, std::string_view message) {
  if (pending_.status == 0) pending_ = {status, message};
  if (HTTP_PARSER_ERRNO(&parser_) == HPE_OK) http_parser_pause(&parser_, 1);
}

void RequestFramer::refuse(int status, std::string_view message) {
  if (state_ == State::Refused) return;
  state_ = State::Refused;
  refusal_ = {status, message};
  // Stop the parser where it is (http-parser asserts on pausing after an error).
  if (HTTP_PARSER_ERRNO(&parser_) == HPE_OK) http_parser_pause(&parser_, 1);
}

bool RequestFramer::head_request() const {
  return first_line_.rfind("HEAD ", 0) == 0;
}

bool RequestFramer::take_continue() {
  return std::exchange(want_continue_, false);
}

FramedRequest RequestFramer::take() {
  FramedRequest out = std::move(request_);
  reset();
  return out;
}

std::size_t RequestFramer::feed(const char* data, std::size_t size) {
  std::size_t used = 0;
  while (used < size && (state_ == State::Idle || state_ == State::Partial)) {
    std::size_t n = size - used;
    if (!headers_done_) {
      // Never hand the parser more header bytes than the budget allows.
      if (framing_bytes_ >= limits_.max_head_bytes) {
        refuse(431, "request header fields too large");
        break;
      }
      n = std::min(n, limits_.max_head_bytes - framing_bytes_);
    }
    spans_.clear();
    const std::size_t got = http_parser_execute(&parser_, &settings_, data + used, n);
    if (got > 0 && state_ == State::Idle) state_ = State::Partial;
    const bool clean = scan(data + used, got);
    used += got;
    if (!clean || state_ == State::Refused) break;
    if (pending_.status != 0) {
      // A callback's refusal counts once the bytes before it are scanned: the
      // first defect by position wins, however the stream was split.
      refuse(pending_.status, pending_.message);
      break;
    }
    const auto error = HTTP_PARSER_ERRNO(&parser_);
    if (error == HPE_PAUSED) {
      http_parser_pause(&parser_, 0);
      if (state_ == State::Complete) break;
      if (!check_headers()) break;  // paused at the end of the header section
      continue;
    }
    if (error != HPE_OK) {
      if (error == HPE_HEADER_OVERFLOW) {
        refuse(431, "request header fields too large");
      } else {
        refuse(kBadRequest.status, kBadRequest.message);
      }
      break;
    }
  }
  if (state_ == State::Partial && headers_done_ && framing_bytes_ > 2 * limits_.max_head_bytes) {
    refuse(kBadRequest.status, kBadRequest.message);  // endless chunk extensions or trailers
  }
  return used;
}

// The byte rules http-parser's lenient build skips, over everything but body
// data: CR only before LF and LF only after CR (RFC 9112 §2.2), no line
// starting with whitespace (obs-fold, §5.2), CRLF right after chunk data (§7.1).
bool RequestFramer::scan(const char* data, std::size_t size) {
  std::size_t span = 0;
  for (std::size_t i = 0; i < size; ++i) {
    if (span < spans_.size() && data + i == spans_[span].at) {
      i += spans_[span].size - 1;
      if (spans_[span].ends_chunk) crlf_due_ = 2;
      ++span;
      continue;
    }
    const char c = data[i];
    ++framing_bytes_;
    bool ok = true;
    if (c == '\r') {
      ok = !last_cr_ && crlf_due_ != 1;
      if (crlf_due_ == 2) crlf_due_ = 1;
      last_cr_ = true;
    } else if (c == '\n') {
      ok = last_cr_;
      last_cr_ = false;
      line_start_ = true;
      const bool empty_line = !line_has_bytes_;
      line_has_bytes_ = false;
      if (chunk_line_) {
        ok = ok && is_chunk_size_line(chunk_text_);
        chunk_line_ = false;
        chunk_text_.clear();
      } else if (crlf_due_ == 1) {
        chunk_line_ = true;  // the CRLF after chunk data: a chunk-size line is next
      } else if (empty_line && first_line_done_ && !head_over_) {
        // The header section ends (known by position: how the bytes were
        // split into feeds must not matter); a chunked body starts with a
        // chunk-size line.
        head_over_ = true;
        chunk_line_ = chunked_;
      }
      crlf_due_ = 0;
      if (!first_line_.empty()) {
        first_line_done_ = true;
      } else if (!first_line_done_) {
        // §2.2: one empty line before the request line is ignored; more is noise.
        ok = ok && ++empty_lines_ < 2;
      }
    } else {
      ok = !last_cr_ && crlf_due_ == 0 && !(line_start_ && (c == ' ' || c == '\t'));
      line_start_ = false;
      line_has_bytes_ = true;
      // The rest of this run, up to the next CR, LF or body span, needs no check.
      const std::size_t limit =
          span < spans_.size() ? static_cast<std::size_t>(spans_[span].at - data) : size;
      std::size_t end = i + 1;
      while (end < limit && data[end] != '\r' && data[end] != '\n') ++end;
      framing_bytes_ += end - i - 1;
      if (chunk_line_) chunk_text_.append(data + i, end - i);
      if (!first_line_done_) {
        if (first_line_.size() + (end - i) > kMaxRequestLine) {
          refuse(414, "request uri too long");
          return false;
        }
        first_line_.append(data + i, end - i);
      }
      i = end - 1;
    }
    if (!ok) {
      refuse(kBadRequest.status, kBadRequest.message);
      return false;
    }
  }
  return true;
}

bool RequestFramer::check_headers() {
  auto bad = [this](int status = 400, std::string_view message = kBadRequest.message) {
    refuse(status, message);
    return false;
  };
  if (parser_.http_major != 1 || parser_.http_minor > 1) {
    return bad(505, "http version not supported");
  }
  request_.method = http_method_str(static_cast<http_method>(parser_.method));
  request_.minor = parser_.http_minor;
  // http-parser takes runs of spaces and odd bytes in the request line; the
  // line must be exactly method SP target SP version (RFC 9112 §3).
  const std::string expected =
      request_.method + " " + request_.target + " HTTP/1." + std::to_string(request_.minor);
  if (first_line_ != expected || request_.target.empty()) return bad();
  for (const char c : request_.target) {
    // Visible ASCII; no fragment (RFC 9112 §3.2: a request-target has none).
    if (c <= 0x20 || c >= 0x7f || c == '#') return bad();
  }
  if (parser_.method == HTTP_CONNECT) return bad(405, "method not allowed");
  // The methods the API's routes answer (each route says 405 with its Allow
  // for the others); anything else http-parser knows (TRACE, PROPFIND, ...)
  // is not implemented here (RFC 9110 §9.1).
  static constexpr http_method kImplemented[] = {HTTP_GET,    HTTP_HEAD,    HTTP_POST, HTTP_PUT,
                                                 HTTP_DELETE, HTTP_OPTIONS, HTTP_PATCH};
  if (std::find(std::begin(kImplemented), std::end(kImplemented),
                static_cast<http_method>(parser_.method)) == std::end(kImplemented)) {
    return bad(501, "method not implemented");
  }
  // An encoded '/' or NUL in the path would be decoded before routing, so
  // "orders/X%2Fcancel" would reach the cancel route past any rule written
  // against the path as sent: refused as a path that names nothing (as
  // Apache's AllowEncodedSlashes Off does). The query may hold them.
  const std::string_view path =
      std::string_view(request_.target)
          .substr(0, std::min(request_.target.find('?'), request_.target.size()));
  for (std::size_t at = path.find('%'); at != std::string_view::npos; at = path.find('%', at + 1)) {
    const std::string_view code = path.substr(at + 1, 2);
    if (code == "2F" || code == "2f" || code == "00") return bad(404, "not found");
  }

  if (raw_fields_.size() > limits_.max_fields) return bad(431, "request header fields too large");
  int hosts = 0, authorizations = 0, transfer_encodings = 0;
  bool close = false, keep_alive_token = false;
  for (auto& [name, value] : raw_fields_) {
    if (name.empty() ||
        !std::all_of(name.begin(), name.end(), [](char c) { return is_tchar(c); }) ||
        !std::all_of(value.begin(), value.end(), [](char c) { return is_field_byte(c); })) {
      return bad();
    }
    value = std::string(trim(value));
    if (iequals(name, "Host")) ++hosts;
    if (iequals(name, "Authorization")) ++authorizations;
    if (iequals(name, "Connection")) {
      for_each_element(value, [&](std::string_view option) {
        close = close || iequals(option, "close");
        keep_alive_token = keep_alive_token || iequals(option, "keep-alive");
      });
    }
    if (iequals(name, "Transfer-Encoding")) {
      ++transfer_encodings;
      std::string_view last;
      int codings = 0;
      for_each_element(value, [&](std::string_view coding) {
        last = coding;
        ++codings;
      });
      // §6.3: chunked not last leaves the length unknown (400); a coding
      // before it is one we do not decode (§6.1: 501).
      if (!iequals(last, "chunked")) return bad();
      if (codings > 1) return bad(501, "transfer coding not supported");
    }
    if (iequals(name, "Content-Encoding") && !iequals(value, "identity")) {
      // The API takes identity JSON: refuse before a body byte is inflated.
      return bad(415, "unsupported content encoding");
    }
    // RFC 9110 §10.1.1: an HTTP/1.0 request's expectation is ignored (and no
    // 1xx may go to a 1.0 client, §15.2).
    if (iequals(name, "Expect") && request_.minor == 1) {
      if (!iequals(value, "100-continue")) return bad(417, "expectation failed");
      want_continue_ = true;
    }
  }
  // RFC 9112 §3.2: exactly one Host in HTTP/1.1, at most one in 1.0.
  if (hosts > 1 || (hosts == 0 && request_.minor == 1)) return bad();
  if (authorizations > 1) return bad();
  // §6.1: chunked is HTTP/1.1's; a 1.0 message with it has faulty framing.
  if (transfer_encodings > 1 || (transfer_encodings == 1 && request_.minor == 0)) return bad();
  const bool chunked = (parser_.flags & F_CHUNKED) != 0;
  if (!chunked && parser_.content_length != ULLONG_MAX &&
      parser_.content_length > limits_.max_body_bytes) {
    return bad(413, "request body too large");
  }
  const bool body_due =
      chunked || (parser_.content_length != ULLONG_MAX && parser_.content_length > 0);
  want_continue_ = want_continue_ && body_due;
  request_.keep_alive = !close && !parser_.upgrade && (request_.minor == 1 || keep_alive_token);
  request_.fields.reserve(raw_fields_.size());
  for (auto& field : raw_fields_) {
    if (!is_framing_field(field.first)) request_.fields.push_back(std::move(field));
  }
  raw_fields_.clear();
  return true;
}

int RequestFramer::on_url(http_parser* p, const char* at, std::size_t n) {
  self(p)->request_.target.append(at, n);
  return 0;
}

int RequestFramer::on_field(http_parser* p, const char* at, std::size_t n) {
  RequestFramer& f = *self(p);
  if (f.headers_done_) return 0;  // a trailer field: checked by scan, not kept
  if (f.raw_fields_.empty() || f.in_value_) {
    // Counted in check_headers: http-parser calls back for a field as its
    // bytes end a feed, so a limit here would depend on how they were split.
    f.raw_fields_.emplace_back();
    f.in_value_ = false;
  }
  f.raw_fields_.back().first.append(at, n);
  return 0;
}

int RequestFramer::on_value(http_parser* p, const char* at, std::size_t n) {
  RequestFramer& f = *self(p);
  if (f.headers_done_) {
    // Trailer values are dropped, but must still be clean bytes.
    if (!std::all_of(at, at + n, [](char c) { return is_field_byte(c); })) {
      f.refuse_later(kBadRequest.status, kBadRequest.message);
    }
    return 0;
  }
  f.in_value_ = true;
  f.raw_fields_.back().second.append(at, n);
  return 0;
}

int RequestFramer::on_headers_complete(http_parser* p) {
  // Pause: feed() checks the header section before any body byte is read.
  self(p)->headers_done_ = true;
  self(p)->chunked_ = (p->flags & F_CHUNKED) != 0;
  http_parser_pause(p, 1);
  return 0;
}

int RequestFramer::on_chunk_header(http_parser* p) {
  // At the chunk-size line's end, a fixed point in the stream: the body's
  // limit is judged by the sizes declared, not by how much data has come.
  RequestFramer& f = *self(p);
  f.chunk_left_ = p->content_length;
  const std::size_t room = f.limits_.max_body_bytes - f.declared_body_;  // never negative
  if (p->content_length > room) {
    f.refuse_later(413, "request body too large");
  } else {
    f.declared_body_ += p->content_length;
  }
  return 0;
}

int RequestFramer::on_body(http_parser* p, const char* at, std::size_t n) {
  RequestFramer& f = *self(p);
  bool ends_chunk = false;
  if (p->flags & F_CHUNKED) {
    f.chunk_left_ -= std::min(f.chunk_left_, n);
    ends_chunk = f.chunk_left_ == 0;
  }
  f.spans_.push_back({at, n, ends_chunk});
  f.request_.body.append(at, n);  // within the limit: checked against the declared sizes
  return 0;
}

int RequestFramer::on_message_complete(http_parser* p) {
  RequestFramer& f = *self(p);
  if (f.state_ != State::Refused) f.state_ = State::Complete;
  http_parser_pause(p, 1);
  return 0;
}

}  // namespace orderstate::server
