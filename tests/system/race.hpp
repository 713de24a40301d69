// The exactly-once race shared by the SQLite and PostgreSQL system tests:
// many clients cancel the same orders at once through two servers. Uses
// Catch assertions, so only test files include it.
#pragma once

#include <algorithm>
#include <atomic>
#include <barrier>
#include <catch2/catch.hpp>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "api.hpp"

namespace orderstate::system_test {

// Cancels every order of `ids` from 8 clients at once, half through each of
// `ports`, and requires each to be canceled exactly once: one 200 with status
// CANCELED, the rest 409 with the spec's body. Both servers must win some
// races (the race really crossed processes), and each order must end
// CANCELED with its position CLOSED and one cancel event.
inline void require_cancels_exactly_once(const int (&ports)[2],
                                         const std::vector<std::string>& ids) {
  constexpr int kRacers = 8;  // clients per order: half on each server
  constexpr int kGroups = 2;  // racer groups working at once (16 threads in all)
  const int orders = static_cast<int>(ids.size());

  // Racer r of group g takes every kGroups-th order from g on, through server
  // r % 2; a barrier per group starts the racers of one order together.
  std::vector<int> status(static_cast<size_t>(orders * kRacers), 0);
  std::vector<char> body_ok(status.size(), 0);
  std::vector<std::unique_ptr<std::barrier<>>> barriers;
  for (int g = 0; g < kGroups; ++g) barriers.push_back(std::make_unique<std::barrier<>>(kRacers));
  std::vector<std::thread> threads;
  for (int g = 0; g < kGroups; ++g) {
    for (int r = 0; r < kRacers; ++r) {
      threads.emplace_back([&, g, r] {
        Api api(ports[r % 2]);
        for (int i = g; i < orders; i += kGroups) {
          barriers[static_cast<size_t>(g)]->arrive_and_wait();
          const Reply reply = api.cancel(ids[static_cast<size_t>(i)]);
          const auto k = static_cast<size_t>(i * kRacers + r);
          status[k] = reply.status;
          body_ok[k] = reply.status == 200 ? member(reply.body, "status") == "CANCELED"
                                           : reply.body == kNotOpen;
        }
      });
    }
  }
  for (std::thread& t : threads) t.join();

  int wins_by_server[2] = {0, 0};
  for (int i = 0; i < orders; ++i) {
    INFO("order " << ids[static_cast<size_t>(i)]);
    int ok = 0, conflict = 0, other = 0, bad_body = 0;
    for (int r = 0; r < kRacers; ++r) {
      const auto k = static_cast<size_t>(i * kRacers + r);
      if (status[k] == 200) {
        ++ok;
        ++wins_by_server[r % 2];
      } else if (status[k] == 409) {
        ++conflict;
      } else {
        ++other;
      }
      bad_body += body_ok[k] ? 0 : 1;
    }
    REQUIRE(ok == 1);
    REQUIRE(conflict == kRacers - 1);
    REQUIRE(other == 0);
    REQUIRE(bad_body == 0);
  }
  CHECK(wins_by_server[0] > 0);
  CHECK(wins_by_server[1] > 0);

  Api a(ports[0]), b(ports[1]);
  for (int i = 0; i < orders; ++i) {
    const std::string& id = ids[static_cast<size_t>(i)];
    INFO("order " << id);
    const OrderState s = state_of(i % 2 == 0 ? b : a, id);
    REQUIRE(s.order == "CANCELED");
    REQUIRE(s.position == "CLOSED");
    REQUIRE(s.cancel_events == 1);
  }
}

// Issue 14's race through two servers: one order of 2.00 gets the same 200
// trade reports of 0.01, each sent 3 times, shuffled, by 8 clients half on
// each server, while a cancel races them. Each report counts exactly once:
// 200 answers with replayed:false, 400 with replayed:true, none other, and
// the order ends filled 2.00 whether the cancel came first or not.
inline void require_trades_exactly_once(const int (&ports)[2]) {
  constexpr int kReports = 200, kClients = 8;
  Api first(ports[0]);
  const Reply placed = first.post(
      "/api/v2/orders", R"({"exchange":"binance","symbol":"BTC/USDT","side":"BUY","type":"LIMIT",)"
                        R"("amount":"2.00","price":"100"})");
  REQUIRE(placed.status == 201);
  const std::string id = first_member(placed.body, "order_id");
  const std::string path = "/api/v2/orders/" + id + "/executions";
  std::vector<std::string> bodies;
  for (int copy = 0; copy < 3; ++copy) {
    for (int i = 0; i < kReports; ++i) {
      bodies.push_back(R"({"exec_id":"E)" + std::to_string(i) +
                       R"(","kind":"TRADE","last_amount":"0.01","last_price":")" +
                       std::to_string(100 + i % 7) + R"(.5"})");
    }
  }
  std::shuffle(bodies.begin(), bodies.end(), std::mt19937(14));
  std::atomic<std::size_t> next{0};
  std::atomic<int> applied{0}, replayed{0}, other{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      Api api(ports[c % 2]);
      for (std::size_t i; (i = next.fetch_add(1)) < bodies.size();) {
        const Reply r = api.post(path, bodies[i]);
        if (r.status != 200) {
          ++other;
        } else if (count_of(r.body, R"("replayed":true)") == 1) {
          ++replayed;
        } else {
          ++applied;
        }
      }
    });
  }
  std::thread canceler([&] {
    Api api(ports[1]);
    while (next.load() < bodies.size() / 2) std::this_thread::yield();
    const Reply r = api.post("/api/v2/orders/" + id + "/cancel", "");
    CHECK((r.status == 200 || r.status == 409));
  });
  for (std::thread& t : clients) t.join();
  canceler.join();
  CHECK(other == 0);
  CHECK(applied == kReports);
  CHECK(replayed == 2 * kReports);
  const Reply order = first.get("/api/v2/orders/" + id);
  REQUIRE(order.status == 200);
  CHECK(member(order.body, "filled_amount") == "2.00");
  const std::string status = member(order.body, "status");
  CHECK((status == "FILLED" || status == "CANCELED"));
  const Reply events = first.get("/api/v2/orders/" + id + "/events");
  CHECK(count_of(events.body, R"("reason":"trade")") +
            count_of(events.body, R"("reason":"late_fill")") ==
        kReports);
}

}  // namespace orderstate::system_test
