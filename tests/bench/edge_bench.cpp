// edge_bench: a fresh client's latency while many connections wait (issue 13).
// Opens IDLE kept-alive connections (each after one answered request) and
// SLOW slow-loris clients (half a request, then a byte every 500 ms; a client
// the server cuts off reconnects at once), then for SECONDS times requests
// from fresh connections, alternating GET /healthz and a cancel of the next
// seeded order (ord-20260303120000-N from FIRST). Prints one line:
//   "health_p50 health_p99 cancel_p50 cancel_p99 max_ms probes failures idle_open slow_open"
// (milliseconds; failures: probes unanswered or not 200, plus idle or slow
// connections that could not be opened).
// Usage: edge_bench PORT KEY FIRST [IDLE=1000] [SLOW=200] [SECONDS=3]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "loopback.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using orderstate::bench::connect_to;

// Sends `request` on `fd` and reads one answer (up to its blank line and
// Content-Length body); its status, or -1.
int roundtrip(int fd, const std::string& request, int timeout_ms) {
  if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    return -1;
  }
  std::string data;
  char buf[4096];
  while (true) {
    const auto end = data.find("\r\n\r\n");
    if (end != std::string::npos) {
      const auto cl = data.find("Content-Length: ");
      const std::size_t size =
          cl == std::string::npos ? 0 : std::strtoul(&data[cl + 16], nullptr, 10);
      if (data.size() >= end + 4 + size) return std::atoi(data.c_str() + 9);
    }
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0) return -1;
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return -1;
    data.append(buf, static_cast<std::size_t>(n));
  }
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: edge_bench PORT KEY FIRST [IDLE] [SLOW] [SECONDS]\n");
    return 2;
  }
  const int port = std::atoi(argv[1]);
  const std::string key = argv[2];
  long next_id = std::atol(argv[3]);
  const int idle_count = argc > 4 ? std::atoi(argv[4]) : 1000;
  const int slow_count = argc > 5 ? std::atoi(argv[5]) : 200;
  const int seconds = argc > 6 ? std::atoi(argv[6]) : 3;
  const std::string health = "GET /healthz HTTP/1.1\r\nHost: b\r\n\r\n";
  int failures = 0;
  // 1,200 sockets are past the usual soft limit of 1024: take the hard one.
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }

  std::vector<int> idle;
  for (int i = 0; i < idle_count; ++i) {
    const int fd = connect_to(port);
    if (fd < 0 || roundtrip(fd, health, 5000) != 200) {
      ++failures;
      if (fd >= 0) close(fd);
      continue;
    }
    idle.push_back(fd);
  }

  // The slow clients, kept at `slow_count` open by one thread.
  std::atomic<bool> done{false};
  std::atomic<int> slow_failures{0};
  std::atomic<int> slow_open{0};
  std::thread slow([&] {
    const std::string start = "GET /healthz HTTP/1.1\r\nHost: b\r\nX-Slow: ";
    std::vector<int> fds;
    auto open_one = [&] {
      const int fd = connect_to(port);
      if (fd < 0 || send(fd, start.data(), start.size(), MSG_NOSIGNAL) <= 0) {
        ++slow_failures;
        if (fd >= 0) close(fd);
        return;
      }
      fds.push_back(fd);
    };
    for (int i = 0; i < slow_count; ++i) open_one();
    slow_open = static_cast<int>(fds.size());
    while (!done) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      for (std::size_t i = 0; i < fds.size();) {
        char buf[512];
        const ssize_t n = recv(fds[i], buf, sizeof buf, MSG_DONTWAIT);
        if (n == 0 || send(fds[i], "a", 1, MSG_NOSIGNAL) != 1) {  // cut off: come back
          close(fds[i]);
          fds[i] = fds.back();
          fds.pop_back();
          continue;
        }
        ++i;
      }
      while (static_cast<int>(fds.size()) < slow_count && !done) open_one();
    }
    for (int fd : fds) close(fd);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));

  std::vector<double> health_ms, cancel_ms;
  const auto until = Clock::now() + std::chrono::seconds(seconds);
  for (int i = 0; Clock::now() < until; ++i) {
    const bool is_cancel = i % 2 == 1;
    std::string request = health;
    if (is_cancel) {
      const std::string body =
          R"({"order_id":"ord-20260303120000-)" + std::to_string(next_id++) + "\"}";
      request =
          "POST /api/v1/trading/cancel_order HTTP/1.1\r\nHost: b\r\nAuthorization: Bearer " + key +
          "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
          "\r\n\r\n" + body;
    }
    const auto t0 = Clock::now();
    const int fd = connect_to(port);
    const int status = fd < 0 ? -1 : roundtrip(fd, request, 10000);
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    if (fd >= 0) close(fd);
    if (status != 200) ++failures;
    (is_cancel ? cancel_ms : health_ms).push_back(ms);
  }
  int idle_open = 0;  // still open: a probe on each answers
  for (int fd : idle) {
    if (roundtrip(fd, health, 5000) == 200) ++idle_open;
    close(fd);
  }
  done = true;
  slow.join();
  double max_ms = 0;
  for (double v : health_ms) max_ms = std::max(max_ms, v);
  for (double v : cancel_ms) max_ms = std::max(max_ms, v);
  std::printf("%.2f %.2f %.2f %.2f %.2f %zu %d %d %d\n", percentile(health_ms, 0.5),
              percentile(health_ms, 0.99), percentile(cancel_ms, 0.5), percentile(cancel_ms, 0.99),
              max_ms, health_ms.size() + cancel_ms.size(), failures + slow_failures.load(),
              idle_open, slow_open.load());
  return 0;
}
