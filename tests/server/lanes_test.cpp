// EdgeServer's two lanes of workers: requests the `background` option picks
// (the server's stream reads) run on workers of their own at nice 19, so a
// write never waits for a subscriber's read.
#include <httplib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <string>
#include <thread>

#include "edge_server.hpp"

using namespace orderstate::server;
using namespace std::chrono_literals;

namespace {

// The nice value of the calling thread.
int own_nice() {
  return getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
}

// A gate the /bg route waits at until opened (5 s at most).
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  int inside = 0;
  void enter() {
    std::unique_lock lock(mu);
    ++inside;
    cv.notify_all();
    cv.wait_for(lock, 5s, [&] { return open; });
  }
  bool wait_inside(int n) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, 5s, [&] { return inside >= n; });
  }
  void release() {
    std::lock_guard lock(mu);
    open = true;
    cv.notify_all();
  }
};

// GET `path` on a new connection: "status body", or "error".
std::string fetch(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(10, 0);
  const auto res = client.Get(path.c_str());
  return res ? std::to_string(res->status) + " " + res->body : "error";
}

}  // namespace

TEST_CASE(
    "background requests run on their own nice-19 workers, the common workers never wait for them",
    "[server][lanes]") {
  RoutedServer app;
  Gate gate;
  app.Get("/bg", [&](const httplib::Request&, httplib::Response& res) {
    gate.enter();
    res.set_content("nice " + std::to_string(own_nice()), "text/plain");
  });
  app.Get("/fg", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("nice " + std::to_string(own_nice()), "text/plain");
  });
  EdgeOptions options;
  options.port = 0;
  options.threads = 1;
  options.background_threads = 1;
  options.background = [](const FramedRequest& r) { return r.target.rfind("/bg", 0) == 0; };
  EdgeServer server(app, options);
  const int port = server.bind();
  REQUIRE(port > 0);
  std::thread loop([&] { server.run(); });

  // The one background worker is held by a /bg request...
  auto first = std::async(std::launch::async, [&] { return fetch(port, "/bg"); });
  REQUIRE(gate.wait_inside(1));
  // ...a second /bg queues for it, not for the common worker...
  auto second = std::async(std::launch::async, [&] { return fetch(port, "/bg"); });
  // ...and the common worker answers at once, at normal priority.
  CHECK(fetch(port, "/fg") == "200 nice 0");
  CHECK(fetch(port, "/fg") == "200 nice 0");
  {
    std::lock_guard lock(gate.mu);
    CHECK(gate.inside == 1);  // the second /bg did not take the common worker
  }
  gate.release();
  CHECK(first.get() == "200 nice 19");
  CHECK(second.get() == "200 nice 19");
  server.stop();
  loop.join();
}

TEST_CASE(
    "the server's stream reads are GET or HEAD of /api/v2/events, however the path is spelled",
    "[server][lanes]") {
  const auto read = [](std::string method, std::string target) {
    FramedRequest r;
    r.method = std::move(method);
    r.target = std::move(target);
    return is_stream_read(r);
  };
  CHECK(read("GET", "/api/v2/events"));
  CHECK(read("GET", "/api/v2/events?after=5&wait=30"));
  CHECK(read("GET", "/api/v2/events/stream"));
  CHECK(read("HEAD", "/api/v2/events/stream"));
  CHECK(read("GET", "/api/v2/%65vents?wait=30"));  // the router decodes it: so must the lane
  CHECK(read("GET", "/api/v2/events%2Fstream"));
  CHECK_FALSE(read("POST", "/api/v2/events"));
  CHECK_FALSE(read("GET", "/api/v2/eventsx"));
  CHECK_FALSE(read("GET", "/api/v2/orders/ord-1/events"));
  CHECK_FALSE(read("GET", "/api/v1/trading/orders?x=/api/v2/events"));
}
