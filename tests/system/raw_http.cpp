#include "raw_http.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>

namespace orderstate::system_test {
namespace {

using Clock = std::chrono::steady_clock;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Fills in status, head and body once `data` holds a whole response.
bool parse_response(const std::string& data, RawReply& out) {
  const auto end = data.find("\r\n\r\n");
  if (end == std::string::npos || !data.starts_with("HTTP/1.")) return false;
  const std::string head = data.substr(0, end);
  const std::string length = header_value(head, "Content-Length");
  const std::size_t body_size = length.empty() ? 0 : std::strtoul(length.c_str(), nullptr, 10);
  if (data.size() < end + 4 + body_size) return false;
  out.head = head;
  out.body = data.substr(end + 4, body_size);
  out.status = std::atoi(head.c_str() + head.find(' ') + 1);
  // A "100 Continue" interim response is not the answer: skip it.
  if (out.status == 100) return parse_response(data.substr(end + 4), out);
  out.answered = true;
  return true;
}

}  // namespace

int connect_to(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

RawReply raw_exchange(int port, const std::string& request, std::chrono::milliseconds timeout) {
  RawReply out;
  const auto started = Clock::now();
  const int fd = connect_to(port);
  if (fd < 0) {
    out.closed = true;
    return out;
  }
  std::size_t sent = 0;
  std::string data;
  while (!out.answered && !out.closed) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(started + timeout - Clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, static_cast<short>(POLLIN | (sent < request.size() ? POLLOUT : 0)), 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    if (p.revents & POLLOUT) {
      const ssize_t n = send(fd, request.data() + sent,
                             std::min<std::size_t>(request.size() - sent, 16384), MSG_NOSIGNAL);
      if (n > 0) sent += static_cast<std::size_t>(n);
      if (n < 0 && errno != EAGAIN && errno != EINTR) sent = request.size();  // peer gone
    }
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      char buf[16384];
      const ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n > 0) {
        data.append(buf, static_cast<std::size_t>(n));
        parse_response(data, out);
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        out.closed = true;
      }
    }
  }
  close(fd);
  out.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  return out;
}

std::string header_value(const std::string& head, const std::string& name) {
  const std::string key = "\r\n" + lower(name) + ":";
  const std::string text = lower(head);
  const auto at = text.find(key);
  if (at == std::string::npos) return {};
  auto begin = at + key.size();
  const auto end = head.find("\r\n", begin);
  while (begin < head.size() && head[begin] == ' ') ++begin;
  return head.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

}  // namespace orderstate::system_test
