// Raw HTTP over a TCP socket, for requests no HTTP client would send:
// malformed request lines, broken framing, NUL bytes, trickled bytes.
#pragma once

#include <chrono>
#include <string>

namespace orderstate::system_test {

struct RawReply {
  bool answered = false;  // a whole response (status line, headers, body) came
  bool closed = false;    // the server closed (or reset) the connection
  int status = -1;
  std::string head;  // status line and headers
  std::string body;
  std::chrono::milliseconds elapsed{0};
};

// Sends `request` on a fresh loopback connection while reading, and returns
// the first response once it is whole (by Content-Length), or what came
// before the server closed, or before `timeout`.
RawReply raw_exchange(int port, const std::string& request,
                      std::chrono::milliseconds timeout = std::chrono::seconds(15));

// A connected loopback TCP socket (blocking); -1 on failure.
int connect_to(int port);

// The value of header `name` (case-insensitive) in `head`; empty when absent.
std::string header_value(const std::string& head, const std::string& name);

}  // namespace orderstate::system_test
