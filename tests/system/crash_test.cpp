// kill -9 of the server (default --durability full): every cancel it
// acknowledged is still CANCELED after a restart on the same file, every
// order nobody touched is still OPEN, and new orders take new sequences.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
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
