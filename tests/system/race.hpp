// The exactly-once race shared by the SQLite and PostgreSQL system tests:
// many clients cancel the same orders at once through two servers. Uses
// Catch assertions, so only test files include it.
#pragma once

#include <barrier>
#include <catch2/catch.hpp>
#include <memory>
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

}  // namespace orderstate::system_test
