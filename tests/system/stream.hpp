// Following an account's stream over HTTP (issue 16), for the SQLite and
// PostgreSQL system tests: subscribers that long-poll GET /api/v2/events,
// drop their connection at random and resume from the last seq they saw.
// Uses Catch assertions, so only test files include it.
#pragma once

#include <atomic>
#include <catch2/catch.hpp>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "api.hpp"

namespace orderstate::system_test {

// One stream line as the tests compare it: "seq order_id FROM>TO".
struct Seen {
  long long seq = 0;
  std::string line;
};

// The events of a GET /api/v2/events body (or SSE text), in order. Read by
// hand, not with std::regex: its locale cache races with cpp-httplib's
// regexes on other threads (a libstdc++ data race TSan reports).
inline std::vector<Seen> stream_events(const std::string& body) {
  std::vector<Seen> out;
  const auto text = [&](std::size_t from, const std::string& key) {
    const auto at = body.find(key, from);
    if (at == std::string::npos) return std::string("?");
    const auto begin = at + key.size();
    if (body.compare(begin, 4, "null") == 0) return std::string("-");
    return body.substr(begin + 1, body.find('"', begin + 1) - begin - 1);
  };
  for (auto at = body.find("{\"seq\":"); at != std::string::npos;
       at = body.find("{\"seq\":", at + 1)) {
    const long long seq = std::stoll(body.substr(at + 7, 20));
    out.push_back({seq, std::to_string(seq) + " " + text(at, "\"order_id\":") + " " +
                            text(at, "\"from\":") + ">" + text(at, "\"to\":")});
  }
  return out;
}

// The whole stream as one reader sees it at the end, from seq 0.
inline std::vector<Seen> whole_stream(int port) {
  Api api(port);
  std::vector<Seen> all;
  while (true) {
    const Reply r = api.get(
        "/api/v2/events?after=" + std::to_string(all.empty() ? 0 : all.back().seq) + "&limit=1000");
    REQUIRE(r.status == 200);
    const auto page = stream_events(r.body);
    if (page.empty()) return all;
    all.insert(all.end(), page.begin(), page.end());
  }
}

// A subscriber: follows the stream with long polls of `wait_s` seconds from
// `after`, through a new connection every few requests (a drop), until
// `stop` is set and a poll comes back empty. Keeps every event it got;
// `problems` counts answers other than 200 and events out of order.
class Subscriber {
 public:
  Subscriber(const std::vector<int>& ports, unsigned seed, std::atomic<bool>& stop)
      : ports_(ports), rng_(seed), stop_(stop), thread_([this] { run(); }) {}
  ~Subscriber() {
    if (thread_.joinable()) thread_.join();
  }
  void join() { thread_.join(); }

  std::vector<Seen> seen;
  int problems = 0, drops = 0;

 private:
  void run() {
    long long after = 0;
    std::unique_ptr<Api> api;
    while (true) {
      if (!api || rng_() % 4 == 0) {  // drop the connection, reconnect (maybe elsewhere)
        drops += api != nullptr;
        api = std::make_unique<Api>(ports_[rng_() % ports_.size()], kKey, 30);
      }
      const bool last_round = stop_.load();
      const Reply r = api->get("/api/v2/events?after=" + std::to_string(after) +
                               "&limit=" + std::to_string(1 + rng_() % 50) +
                               "&wait=" + (last_round ? "0" : "2"));
      if (r.status != 200) {
        ++problems;
        api.reset();
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        continue;
      }
      const auto page = stream_events(r.body);
      for (const Seen& e : page) {
        if (e.seq != after + 1) ++problems;
        after = e.seq;
        seen.push_back(e);
      }
      if (last_round && page.empty()) return;
    }
  }

  std::vector<int> ports_;
  std::mt19937 rng_;
  std::atomic<bool>& stop_;
  std::thread thread_;
};

// `writers` clients place, cancel and trade through `ports` (round robin)
// while `subscribers` follow the stream; every subscriber must end with
// exactly the stream a reader sees at the end: no gap, no duplicate, same
// order.
inline void require_streams_match(const std::vector<int>& ports, int writers, int subscribers,
                                  int orders_per_writer) {
  std::atomic<bool> stop{false};
  std::vector<std::unique_ptr<Subscriber>> subs;
  for (int i = 0; i < subscribers; ++i) {
    subs.push_back(std::make_unique<Subscriber>(ports, 1000u + static_cast<unsigned>(i), stop));
  }
  std::atomic<int> failed_writes{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      Api api(ports[static_cast<std::size_t>(w) % ports.size()]);
      for (int i = 0; i < orders_per_writer; ++i) {
        const Reply placed = api.post("/api/v2/orders", kPlaceBody);
        if (placed.status != 201) {
          ++failed_writes;
          continue;
        }
        const std::string id = first_member(placed.body, "order_id");
        const std::string path = "/api/v2/orders/" + id;
        Reply r;
        if (i % 3 == 0) {
          r = api.post(path + "/cancel", "");
        } else {
          r = api.post(path + "/executions", R"({"exec_id":"x)" + id +
                                                 R"(","kind":"TRADE",)"
                                                 R"("last_amount":"0.004","last_price":"1"})");
        }
        if (r.status != 200) ++failed_writes;
      }
    });
  }
  for (auto& t : threads) t.join();
  stop = true;
  for (auto& s : subs) s->join();
  CHECK(failed_writes == 0);
  const std::vector<Seen> all = whole_stream(ports[0]);
  REQUIRE(all.size() == static_cast<std::size_t>(writers * orders_per_writer * 2));
  for (std::size_t i = 0; i < all.size(); ++i) REQUIRE(all[i].seq == static_cast<long long>(i) + 1);
  int drops = 0;
  for (const auto& s : subs) {
    CHECK(s->problems == 0);
    drops += s->drops;
    REQUIRE(s->seen.size() == all.size());
    for (std::size_t i = 0; i < all.size(); ++i) REQUIRE(s->seen[i].line == all[i].line);
  }
  CHECK(drops > subscribers);  // they did drop and resume
}

}  // namespace orderstate::system_test
