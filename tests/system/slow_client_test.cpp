// Slow-loris: clients trickling one header byte every 100 ms are cut off once
// the server's read timeout (5 s) has passed since their first byte, while
// other clients are answered at once throughout.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "api.hpp"
#include "raw_http.hpp"

using namespace orderstate::system_test;

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct SlowResult {
  bool cut_off = false;   // the server closed the connection
  milliseconds after{0};  // since the first byte
  std::string answer;     // what it wrote before closing, if anything
};

// Sends a request line, then one header byte every 100 ms, until the server
// closes the connection or `give_up` passes.
SlowResult trickle(int port, milliseconds give_up) {
  SlowResult r;
  const int fd = connect_to(port);
  if (fd < 0) return r;
  const auto started = Clock::now();
  const std::string start = "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Slow: ";
  bool open = send(fd, start.data(), start.size(), MSG_NOSIGNAL) > 0;
  while (open && Clock::now() - started < give_up) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) > 0) {
      char buf[4096];
      const ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n > 0) {
        r.answer.append(buf, static_cast<size_t>(n));
        continue;
      }
      open = false;
      break;
    }
    open = send(fd, "a", 1, MSG_NOSIGNAL) == 1;
  }
  r.cut_off = !open;
  r.after = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
  close(fd);
  return r;
}

}  // namespace

TEST_CASE("slow-loris clients are cut off after the read timeout while others get fast answers",
          "[system]") {
  TempDir dir;
  ServerProcess server({dir.path() / "orders.db", dir.path() / "stderr.log", {"--threads", "8"}});
  REQUIRE(server.port() > 0);

  constexpr int kSlow = 3;
  std::vector<SlowResult> slow(kSlow);
  std::vector<std::thread> slow_threads;
  for (int i = 0; i < kSlow; ++i) {
    slow_threads.emplace_back(
        [&, i] { slow[static_cast<size_t>(i)] = trickle(server.port(), milliseconds(15000)); });
  }

  // Meanwhile, a request every 100 ms on fresh connections, each timed.
  std::atomic<bool> slow_done{false};
  std::thread joiner([&] {
    for (std::thread& t : slow_threads) t.join();
    slow_done = true;
  });
  milliseconds slowest{0};
  int answered = 0, requests = 0;
  while (!slow_done) {
    const auto started = Clock::now();
    Api api(server.port());
    const Reply r = (requests % 2 == 0) ? api.get("/healthz") : api.place();
    const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
    slowest = std::max(slowest, took);
    ++requests;
    answered += (r.status == 200 || r.status == 201) ? 1 : 0;
    std::this_thread::sleep_for(milliseconds(100));
  }
  joiner.join();

  INFO("requests " << requests << ", slowest answer " << slowest.count() << " ms");
  CHECK(answered == requests);
  CHECK(requests >= 20);
  CHECK(slowest < milliseconds(1000));
  for (const SlowResult& r : slow) {
    INFO("slow client cut off " << r.cut_off << " after " << r.after.count()
                                << " ms, answer: " << r.answer);
    CHECK(r.cut_off);
    CHECK(r.after >= milliseconds(4500));  // the full read timeout was granted
    CHECK(r.after < milliseconds(8000));
    // Cut off mid-headers: a 408 JSON error, then the close.
    CHECK((r.answer.empty() || r.answer.starts_with("HTTP/1.1 408 ")));
  }
  CHECK(server.stop() == 0);
}
