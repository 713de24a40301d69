// DeadlineServer and DeadlineTlsServer: an httplib::Server (an
// httplib::SSLServer) whose connections must deliver each request (line,
// headers and body; over TLS, for the first request, the handshake too)
// within the read timeout of its first byte, with a header section of at most
// kMaxHeaderBytes. cpp-httplib 0.11 applies its read timeout to each wait for
// bytes only, so a client trickling one byte every 100 ms (slow-loris) holds a
// pool thread for as long as it likes, and the header count is unbounded.
// Here such a connection is answered 400 (or, mid request line, just closed)
// when its time or budget runs out. Everything else is httplib's: routing,
// keep-alive, timeouts as configured, the TLS context and certificates.
// Thread-safety: that of httplib::Server.
#pragma once

#include <httplib.h>

#include <cstddef>
#include <string>

namespace orderstate::server {

inline constexpr std::size_t kMaxHeaderBytes = 64 * 1024;

template <class Base>
class Deadline final : public Base {
 public:
  using Base::Base;

  // Binds like bind_to_port (bind_to_any_port for port 0), then raises the
  // listen backlog from cpp-httplib 0.11's fixed 5 to SOMAXCONN: clients that
  // connect together (all of them, after a restart) would otherwise overflow
  // it and wait a SYN retransmit, 1 s, to get in. The port, or -1.
  int bind_port(const std::string& host, int port);

 private:
  // Replaces httplib's per-connection loop (a private virtual in 0.11.4):
  // the same keep-alive rules, over a stream that enforces the deadline.
  bool process_and_close_socket(socket_t sock) override;
  // The keep-alive loop over `sock`, through `ssl` when not null.
  bool serve(socket_t sock, SSL* ssl);
};

// Both are compiled in deadline_server.cpp.
extern template class Deadline<httplib::Server>;
extern template class Deadline<httplib::SSLServer>;
using DeadlineServer = Deadline<httplib::Server>;
using DeadlineTlsServer = Deadline<httplib::SSLServer>;

}  // namespace orderstate::server
