// kill -9 of the server (default --durability full): every cancel it
// acknowledged is still CANCELED after a restart on the same file, every
// order nobody touched is still OPEN, and new orders take new sequences.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "api.hpp"

using namespace orderstate::system_test;

namespace {

// Places `n` orders over `threads` connections (group commit at work).
std::vector<std::string> place_orders(int port, int n, int threads) {
  std::vector<std::string> ids;
  std::mutex mu;
  std::atomic<int> failures{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      Api api(port);
      for (int i = t; i < n; i += threads) {
        const Reply r = api.place();
        if (r.status != 201) ++failures;
        std::lock_guard lock(mu);
        ids.push_back(first_member(r.body, "order_id"));
      }
    });
  }
  for (std::thread& w : workers) w.join();
  REQUIRE(failures == 0);
  return ids;
}

std::int64_t max_seq(const std::vector<std::string>& ids) {
  std::int64_t m = 0;
  for (const std::string& id : ids) m = std::max(m, seq_of(id));
  return m;
}

void check_canceled(Api& api, const std::string& id) {
  INFO("acknowledged cancel of " << id);
  const OrderState s = state_of(api, id);
  CHECK(s.order == "CANCELED");
  CHECK(s.position == "CLOSED");
  CHECK(s.cancel_events == 1);
}

void check_untouched(Api& api, const std::string& id) {
  INFO("untouched order " << id);
  const OrderState s = state_of(api, id);
  CHECK(s.order == "OPEN");
  CHECK(s.position == "OPEN");
  CHECK(s.cancel_events == 0);
}

// A cancel sent but never answered may or may not have committed: either
// way all or nothing of it is there.
void check_all_or_nothing(Api& api, const std::string& id) {
  INFO("unanswered cancel of " << id);
  const OrderState s = state_of(api, id);
  if (s.order == "CANCELED") {
    CHECK(s.position == "CLOSED");
    CHECK(s.cancel_events == 1);
  } else {
    CHECK(s.order == "OPEN");
    CHECK(s.position == "OPEN");
    CHECK(s.cancel_events == 0);
  }
}

void check_new_sequence(Api& api, const std::vector<std::string>& before) {
  const Reply placed = api.place();
  REQUIRE(placed.status == 201);
  CHECK(seq_of(first_member(placed.body, "order_id")) > max_seq(before));
}

}  // namespace

TEST_CASE("an acknowledged cancel survives kill -9 of the server", "[system]") {
  TempDir dir;
  const ServerOptions options{dir.path() / "orders.db", dir.path() / "stderr.log", {}};
  auto server = std::make_unique<ServerProcess>(options);
  REQUIRE(server->port() > 0);
  const std::vector<std::string> ids = place_orders(server->port(), 400, 8);
  const std::vector<std::string> to_cancel(ids.begin(), ids.begin() + 200);

  std::atomic<int> acknowledged{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < 8; ++t) {
    workers.emplace_back([&, t] {
      Api api(server->port());
      for (size_t i = static_cast<size_t>(t); i < to_cancel.size(); i += 8) {
        if (api.cancel(to_cancel[i]).status == 200) ++acknowledged;
      }
    });
  }
  for (std::thread& w : workers) w.join();
  REQUIRE(acknowledged == 200);
  server->kill9();  // at once after the last acknowledgement
  REQUIRE(server->wait_exit(std::chrono::seconds(10)) == -1);

  server = std::make_unique<ServerProcess>(options);
  REQUIRE(server->port() > 0);
  Api api(server->port());
  for (const std::string& id : to_cancel) check_canceled(api, id);
  for (size_t i = 200; i < ids.size(); ++i) check_untouched(api, ids[i]);
  check_new_sequence(api, ids);
  CHECK(server->stop() == 0);
}

TEST_CASE("every cancel acknowledged before a kill -9 under load survives the restart",
          "[system]") {
  enum : int { kNotSent, kSent, kAcknowledged, kUnexpected, kUnanswered };
  constexpr int kOrders = 600, kClients = 16, kKillAfter = 150;
  TempDir dir;
  const ServerOptions options{dir.path() / "orders.db", dir.path() / "stderr.log", {}};
  auto server = std::make_unique<ServerProcess>(options);
  REQUIRE(server->port() > 0);
  const std::vector<std::string> ids = place_orders(server->port(), kOrders, 8);

  // Client t cancels orders t, t+16, ... one after another; the one whose
  // answer is the kKillAfter-th acknowledgement kills the server.
  std::vector<std::atomic<int>> state(kOrders);
  std::atomic<int> acknowledged{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < kClients; ++t) {
    clients.emplace_back([&, t] {
      Api api(server->port(), kKey, 5);
      for (size_t i = static_cast<size_t>(t); i < ids.size(); i += kClients) {
        state[i] = kSent;
        const Reply r = api.cancel(ids[i]);
        if (r.status < 0) {
          state[i] = kUnanswered;
          return;  // the server is gone
        }
        state[i] = r.status == 200 ? kAcknowledged : kUnexpected;
        if (r.status == 200 && ++acknowledged == kKillAfter) server->kill9();
      }
    });
  }
  for (std::thread& c : clients) c.join();
  REQUIRE(server->wait_exit(std::chrono::seconds(10)) == -1);

  int counts[5] = {0, 0, 0, 0, 0};
  for (const auto& s : state) ++counts[s.load()];
  INFO("acknowledged " << counts[kAcknowledged] << ", unanswered " << counts[kUnanswered]
                       << ", never sent " << counts[kNotSent]);
  REQUIRE(counts[kAcknowledged] >= kKillAfter);
  REQUIRE(counts[kUnexpected] == 0);
  REQUIRE(counts[kSent] == 0);
  REQUIRE(counts[kNotSent] > 0);  // the kill came with work still to do

  server = std::make_unique<ServerProcess>(options);
  REQUIRE(server->port() > 0);
  Api api(server->port());
  for (size_t i = 0; i < ids.size(); ++i) {
    switch (state[i].load()) {
      case kAcknowledged:
        check_canceled(api, ids[i]);
        break;
      case kNotSent:
        check_untouched(api, ids[i]);
        break;
      default:
        check_all_or_nothing(api, ids[i]);
    }
  }
  check_new_sequence(api, ids);
  CHECK(server->stop() == 0);
}

// Issue 14: kill -9 while 8 clients stream trade reports (0.001 each) to 40
// orders. After the restart every acknowledged report is there (its replay
// answers replayed:true), and replaying every report that was sent, answered
// or not, leaves each order filled by exactly the distinct reports it got.
TEST_CASE("every trade report acknowledged before a kill -9 survives, and a replay changes nothing",
          "[system]") {
  constexpr int kOrders = 40, kClients = 8, kPerClient = 60, kKillAfter = 200;
  TempDir dir;
  const ServerOptions options{dir.path() / "orders.db", dir.path() / "stderr.log", {}};
  auto server = std::make_unique<ServerProcess>(options);
  REQUIRE(server->port() > 0);
  const std::string place_body =
      R"({"exchange":"binance","symbol":"BTC/USDT","side":"BUY","type":"LIMIT",)"
      R"("amount":"1.000","price":"50000.00"})";
  std::vector<std::string> ids;
  {
    Api api(server->port());
    for (int i = 0; i < kOrders; ++i) {
      const Reply r = api.post("/api/v2/orders", place_body);
      REQUIRE(r.status == 201);
      ids.push_back(first_member(r.body, "order_id"));
    }
  }
  struct Sent {
    std::string order_id, body;
    bool acknowledged = false;
  };
  std::vector<std::vector<Sent>> sent(kClients);
  std::atomic<int> acknowledged{0}, unexpected{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < kClients; ++t) {
    clients.emplace_back([&, t] {
      Api api(server->port(), kKey, 5);
      for (int i = 0; i < kPerClient; ++i) {
        const std::string& id = ids[static_cast<std::size_t>((t * kPerClient + i) % kOrders)];
        const std::string body =
            R"({"exec_id":"c)" + std::to_string(t) + "-" + std::to_string(i) +
            R"(","kind":"TRADE","last_amount":"0.001","last_price":"50000.5"})";
        sent[static_cast<std::size_t>(t)].push_back({id, body});
        const Reply r = api.post("/api/v2/orders/" + id + "/executions", body);
        if (r.status < 0) return;  // the server is gone
        if (r.status != 200) ++unexpected;
        sent[static_cast<std::size_t>(t)].back().acknowledged = true;
        if (++acknowledged == kKillAfter) server->kill9();
      }
    });
  }
  for (std::thread& c : clients) c.join();
  REQUIRE(server->wait_exit(std::chrono::seconds(10)) == -1);
  CHECK(unexpected == 0);
  REQUIRE(acknowledged >= kKillAfter);

  server = std::make_unique<ServerProcess>(options);
  REQUIRE(server->port() > 0);
  Api api(server->port());
  std::map<std::string, int> per_order;
  for (const auto& client : sent) {
    for (const Sent& s : client) {
      const Reply r = api.post("/api/v2/orders/" + s.order_id + "/executions", s.body);
      REQUIRE(r.status == 200);
      if (s.acknowledged) {
        INFO(s.body);
        CHECK(count_of(r.body, R"("replayed":true)") == 1);
      }
      ++per_order[s.order_id];
    }
  }
  for (const std::string& id : ids) {
    INFO(id);
    const Reply r = api.get("/api/v2/orders/" + id);
    REQUIRE(r.status == 200);
    const int n = per_order[id];
    char want[16];
    std::snprintf(want, sizeof want, "%d.%03d", n / 1000, n % 1000);
    CHECK(member(r.body, "filled_amount") == (n ? std::string(want) : std::string("0")));
  }
  CHECK(server->stop() == 0);
}

// Issue 15: kill -9 between acknowledged pending places and their reports.
// After the restart each is PENDING_NEW and listed by in_flight; its NEW
// report then applies once (a second one changes nothing).
TEST_CASE("an acknowledged pending place survives kill -9 as PENDING_NEW, its report applies once",
          "[system]") {
  TempDir dir;
  const ServerOptions options{dir.path() / "orders.db", dir.path() / "stderr.log", {}};
  auto server = std::make_unique<ServerProcess>(options);
  REQUIRE(server->port() > 0);
  std::vector<std::string> ids;
  {
    Api api(server->port());
    for (int i = 0; i < 20; ++i) {
      const Reply r = api.post(
          "/api/v2/orders", R"({"exchange":"binance","symbol":"BTC/USDT","side":"BUY",)"
                            R"("type":"LIMIT","amount":"0.01","price":"50000.00","pending":true})");
      REQUIRE(r.status == 201);
      REQUIRE(count_of(r.body, R"("status":"PENDING_NEW")") == 1);
      ids.push_back(first_member(r.body, "order_id"));
    }
  }
  server->kill9();
  REQUIRE(server->wait_exit(std::chrono::seconds(10)) == -1);

  server = std::make_unique<ServerProcess>(options);
  REQUIRE(server->port() > 0);
  Api api(server->port());
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // intents now >= 1 s old
  const Reply listed = api.get("/api/v2/orders?older_than=1s&limit=100");
  REQUIRE(listed.status == 200);
  CHECK(count_of(listed.body, R"("status":"PENDING_NEW")") == 20);
  CHECK(listed.body.find(ids.front()) < listed.body.find(ids.back()));  // oldest first
  for (const std::string& id : ids) {
    INFO(id);
    const std::string path = "/api/v2/orders/" + id + "/executions";
    const Reply accepted = api.post(path, R"({"exec_id":"new-)" + id + R"(","kind":"NEW"})");
    REQUIRE(accepted.status == 200);
    CHECK(member(accepted.body, "status") == "OPEN");
    CHECK(count_of(accepted.body, R"("replayed":false)") == 1);
    const Reply replayed = api.post(path, R"({"exec_id":"new-)" + id + R"(","kind":"NEW"})");
    CHECK(count_of(replayed.body, R"("replayed":true)") == 1);
    const Reply events = api.get("/api/v2/orders/" + id + "/events");
    CHECK(count_of(events.body, R"("reason":"venue_accepted")") == 1);
  }
  CHECK(server->stop() == 0);
}
