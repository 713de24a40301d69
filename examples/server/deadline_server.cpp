#include "deadline_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace orderstate::server {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::microseconds;
using std::chrono::milliseconds;

// Waits up to `timeout` for `events` on `sock`; true when they came.
bool wait_for(int sock, short events, microseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    pollfd p{sock, events, 0};
    // Rounded up, so a timeout under 1 ms still waits.
    const int r = poll(&p, 1, static_cast<int>(std::max<long long>(left.count() + 1, 0)));
    if (r > 0) return true;
    if (r == 0 || errno != EINTR) return false;
  }
}

void address_of(int sock, bool peer, std::string& ip, int& port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  auto* sa = reinterpret_cast<sockaddr*>(&addr);
  if ((peer ? getpeername(sock, sa, &len) : getsockname(sock, sa, &len)) != 0) return;
  char text[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    port = ntohs(in->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
    port = ntohs(in6->sin6_port);
  }
  ip = text;
}

// The poll events an OpenSSL call that returned `ret` waits for; 0 when it
// failed for good (or the peer closed).
short tls_wait_events(SSL* ssl, int ret) {
  switch (SSL_get_error(ssl, ret)) {
    case SSL_ERROR_WANT_READ:
      return POLLIN;
    case SSL_ERROR_WANT_WRITE:
      return POLLOUT;
    default:
      return 0;
  }
}

// Retries `op`, an OpenSSL call on a non-blocking socket, as the socket
// allows until `until`; its last result (> 0 on success).
template <class Op>
int tls_retry(SSL* ssl, int sock, Clock::time_point until, Op op) {
  while (true) {
    const int r = op();
    if (r > 0) return r;
    const short events = tls_wait_events(ssl, r);
    const auto left = std::chrono::duration_cast<microseconds>(until - Clock::now());
    if (events == 0 || left.count() <= 0 || !wait_for(sock, events, left)) return r;
  }
}

// A buffered socket stream whose reads end (return -1) once the current
// request's deadline passed or its header section outgrew kMaxHeaderBytes;
// from then on it stays cut off. With `ssl`, bytes pass through TLS on a
// non-blocking socket, so a partial TLS record cannot block past the deadline.
class DeadlineStream final : public httplib::Stream {
 public:
  DeadlineStream(int sock, SSL* ssl, microseconds read_timeout, microseconds write_timeout)
      : sock_(sock), ssl_(ssl), read_timeout_(read_timeout), write_timeout_(write_timeout) {}

  // A new request begins: its first byte is at hand.
  void start_request() {
    deadline_ = Clock::now() + read_timeout_;
    header_bytes_ = 0;
    in_headers_ = true;
    tail_ = 0;
  }
  bool has_buffered() const { return begin_ < end_ || (ssl_ && SSL_pending(ssl_) > 0); }
  bool cut_off() const { return cut_off_; }

  bool is_readable() const override {
    return has_buffered() || (!cut_off_ && wait_for(sock_, POLLIN, time_left()));
  }
  bool is_writable() const override { return wait_for(sock_, POLLOUT, write_timeout_); }

  ssize_t read(char* ptr, size_t size) override {
    if (begin_ == end_ && !fill()) return cut_off_ ? -1 : eof_;
    const size_t n = std::min(size, end_ - begin_);
    std::memcpy(ptr, buffer_ + begin_, n);
    begin_ += n;
    if (in_headers_ && !count_header_bytes(ptr, n)) {
      cut_off_ = true;
      return -1;
    }
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (ssl_) return tls_write(ptr, size);
    if (!is_writable()) return -1;
    ssize_t n;
    do {
      n = send(sock_, ptr, size, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    return n;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    address_of(sock_, true, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    address_of(sock_, false, ip, port);
  }
  socket_t socket() const override { return sock_; }

 private:
  microseconds time_left() const {
    const auto left = std::chrono::duration_cast<microseconds>(deadline_ - Clock::now());
    return std::min(left, read_timeout_);
  }

  // Reads what the socket has; false at EOF (eof_ = 0), on error or timeout
  // (eof_ = -1), or past the deadline (cut off).
  bool fill() {
    eof_ = -1;
    if (cut_off_) return false;
    if (Clock::now() >= deadline_) {
      cut_off_ = true;
      return false;
    }
    if (ssl_) return tls_fill();
    if (!wait_for(sock_, POLLIN, time_left())) {
      cut_off_ = Clock::now() >= deadline_;
      return false;
    }
    ssize_t n;
    do {
      n = recv(sock_, buffer_, sizeof buffer_, 0);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) {
      eof_ = n == 0 ? 0 : -1;
      return false;
    }
    begin_ = 0;
    end_ = static_cast<size_t>(n);
    return true;
  }

  bool tls_fill() {
    while (true) {
      const int n = SSL_read(ssl_, buffer_, sizeof buffer_);
      if (n > 0) {
        begin_ = 0;
        end_ = static_cast<size_t>(n);
        return true;
      }
      const short events = tls_wait_events(ssl_, n);
      if (events == 0) {
        eof_ = SSL_get_error(ssl_, n) == SSL_ERROR_ZERO_RETURN ? 0 : -1;
        return false;
      }
      if (!wait_for(sock_, events, time_left())) {
        cut_off_ = Clock::now() >= deadline_;
        return false;
      }
    }
  }

  ssize_t tls_write(const char* ptr, size_t size) {
    const int len = static_cast<int>(std::min<size_t>(size, INT_MAX));
    const int n = tls_retry(ssl_, sock_, Clock::now() + write_timeout_,
                            [&] { return SSL_write(ssl_, ptr, len); });
    return n > 0 ? n : -1;
  }

  // Counts header bytes up to the blank line; false when over the budget.
  bool count_header_bytes(const char* p, size_t n) {
    for (size_t i = 0; i < n && in_headers_; ++i) {
      ++header_bytes_;
      tail_ = (tail_ << 8) | static_cast<unsigned char>(p[i]);
      in_headers_ = (tail_ & 0xffffffffu) != 0x0d0a0d0au && (tail_ & 0xffffu) != 0x0a0au;
    }
    return header_bytes_ <= kMaxHeaderBytes;
  }

  const int sock_;
  SSL* const ssl_;  // null for plain HTTP
  const microseconds read_timeout_;
  const microseconds write_timeout_;
  Clock::time_point deadline_ = Clock::now();
  std::size_t header_bytes_ = 0;
  bool in_headers_ = true;
  std::uint32_t tail_ = 0;  // the last four bytes read
  bool cut_off_ = false;
  ssize_t eof_ = -1;
  char buffer_[4096];
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
};

microseconds from(time_t sec, time_t usec) {
  return microseconds(static_cast<long long>(sec) * 1'000'000 + usec);
}

}  // namespace

template <class Base>
bool Deadline<Base>::serve(socket_t sock, SSL* ssl) {
  DeadlineStream stream(sock, ssl, from(this->read_timeout_sec_, this->read_timeout_usec_),
                        from(this->write_timeout_sec_, this->write_timeout_usec_));
  bool ok = false;
  // As httplib does: up to keep_alive_max_count_ requests while the server
  // runs, each next one awaited for keep_alive_timeout_sec_.
  for (size_t left = this->keep_alive_max_count_; left > 0 && !stream.cut_off(); --left) {
    const auto idle_until = Clock::now() + std::chrono::seconds(this->keep_alive_timeout_sec_);
    bool ready = stream.has_buffered();
    while (!ready && this->svr_sock_ != INVALID_SOCKET && Clock::now() < idle_until) {
      ready = wait_for(sock, POLLIN, milliseconds(50));
    }
    if (!ready || this->svr_sock_ == INVALID_SOCKET) break;
    stream.start_request();
    bool closed = false;
    ok = this->process_request(stream, left == 1, closed, nullptr);
    if (!ok || closed) break;
  }
  return ok;
}

template <class Base>
int Deadline<Base>::bind_port(const std::string& host, int port) {
  if (port == 0) {
    port = this->bind_to_any_port(host);
  } else if (!this->bind_to_port(host, port)) {
    port = -1;
  }
  // Linux lets a listening socket's backlog be changed by listening again.
  if (port > 0 && listen(this->svr_sock_, SOMAXCONN) != 0) return -1;
  return port;
}

template <class Base>
bool Deadline<Base>::process_and_close_socket(socket_t sock) {
  bool ok = false;
  if constexpr (std::is_same_v<Base, httplib::SSLServer>) {
    SSL* ssl = SSL_new(this->ssl_context());
    if (ssl && fcntl(sock, F_SETFL, fcntl(sock, F_GETFL) | O_NONBLOCK) == 0 &&
        SSL_set_fd(ssl, sock) == 1 &&
        tls_retry(ssl, sock, Clock::now() + from(this->read_timeout_sec_, this->read_timeout_usec_),
                  [&] { return SSL_accept(ssl); }) == 1) {
      ok = serve(sock, ssl);
      SSL_shutdown(ssl);  // close_notify, best effort: the socket does not block
    }
    if (ssl) SSL_free(ssl);
  } else {
    ok = serve(sock, nullptr);
  }
  shutdown(sock, SHUT_RDWR);
  close(sock);
  return ok;
}

template class Deadline<httplib::Server>;
template class Deadline<httplib::SSLServer>;

}  // namespace orderstate::server
