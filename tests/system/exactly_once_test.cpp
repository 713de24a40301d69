// Two orderstate-server processes on one SQLite file: many clients race to
// cancel the same orders through both, and each order is canceled exactly
// once (one 200, the rest 409), its position closed, one CANCELED event.
#include <barrier>
#include <catch2/catch.hpp>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "api.hpp"

using namespace orderstate::system_test;

namespace {

constexpr int kOrders = 300;
constexpr int kRacers = 8;  // clients per order: half on each server
constexpr int kGroups = 2;  // racer groups working at once (16 threads in all)

// Places kOrders orders, alternating servers; their ids in order.
std::vector<std::string> place_orders(Api& a, Api& b) {
  std::vector<std::string> ids;
  for (int i = 0; i < kOrders; ++i) {
    const Reply r = (i % 2 == 0 ? a : b).place();
    REQUIRE(r.status == 201);
    ids.push_back(first_member(r.body, "order_id"));
  }
  return ids;
}

struct Outcome {
  int status = 0;
  bool body_ok = false;
};

}  // namespace

TEST_CASE("racing cancels through two server processes on one file cancel each order exactly once",
          "[system]") {
  TempDir dir;
  ServerOptions options{dir.path() / "orders.db", dir.path() / "stderr.log",
                        {"--durability", "normal"}};
  ServerProcess first(options);
  ServerProcess second(options);
  REQUIRE(first.port() > 0);
  REQUIRE(second.port() > 0);
  const int ports[2] = {first.port(), second.port()};

  Api a(ports[0]), b(ports[1]);
  const std::vector<std::string> ids = place_orders(a, b);
  REQUIRE(std::set<std::string>(ids.begin(), ids.end()).size() == ids.size());

  // Racer r of group g takes every kGroups-th order from g on, through server
  // r % 2; a barrier per group starts the racers of one order together.
  std::vector<Outcome> outcomes(static_cast<size_t>(kOrders * kRacers));
  std::vector<std::unique_ptr<std::barrier<>>> barriers;
  for (int g = 0; g < kGroups; ++g) barriers.push_back(std::make_unique<std::barrier<>>(kRacers));
  std::vector<std::thread> threads;
  for (int g = 0; g < kGroups; ++g) {
    for (int r = 0; r < kRacers; ++r) {
      threads.emplace_back([&, g, r] {
        Api api(ports[r % 2]);
        for (int i = g; i < kOrders; i += kGroups) {
          barriers[static_cast<size_t>(g)]->arrive_and_wait();
          const Reply reply = api.cancel(ids[static_cast<size_t>(i)]);
          Outcome& out = outcomes[static_cast<size_t>(i * kRacers + r)];
          out.status = reply.status;
          out.body_ok = reply.status == 200 ? member(reply.body, "status") == "CANCELED"
                                            : reply.body == kNotOpen;
        }
      });
    }
  }
  for (std::thread& t : threads) t.join();

  int wins_by_server[2] = {0, 0};
  for (int i = 0; i < kOrders; ++i) {
    INFO("order " << ids[static_cast<size_t>(i)]);
    int ok = 0, conflict = 0, other = 0, bad_body = 0;
    for (int r = 0; r < kRacers; ++r) {
      const Outcome& out = outcomes[static_cast<size_t>(i * kRacers + r)];
      if (out.status == 200) {
        ++ok;
        ++wins_by_server[r % 2];
      } else if (out.status == 409) {
        ++conflict;
      } else {
        ++other;
      }
      bad_body += out.body_ok ? 0 : 1;
    }
    REQUIRE(ok == 1);
    REQUIRE(conflict == kRacers - 1);
    REQUIRE(other == 0);
    REQUIRE(bad_body == 0);
  }
  // Both processes won some races: the race really crossed processes.
  CHECK(wins_by_server[0] > 0);
  CHECK(wins_by_server[1] > 0);

  for (int i = 0; i < kOrders; ++i) {
    const std::string& id = ids[static_cast<size_t>(i)];
    INFO("order " << id);
    const OrderState s = state_of(i % 2 == 0 ? b : a, id);
    REQUIRE(s.order == "CANCELED");
    REQUIRE(s.position == "CLOSED");
    REQUIRE(s.cancel_events == 1);
  }
  CHECK(first.stop() == 0);
  CHECK(second.stop() == 0);
}
