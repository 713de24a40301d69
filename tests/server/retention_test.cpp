// Retention (examples/server/retention.hpp): which accounts a tick prunes.
#include "retention.hpp"

#include <catch2/catch.hpp>

#include "orderstate/sqlite_repository.hpp"

using namespace orderstate;

namespace {

PlaceRequest buy() {
  return {"binance", "BTC/USDT", "BUY", "LIMIT", "0.01", "50000.00", {}};
}

// The account's oldest kept seq.
std::int64_t oldest(Orders& orders, const std::string& account) {
  const auto page = orders.events_since(account, 0, 1);
  if (!page.ok()) return page.error().oldest_seq;
  return page->events.empty() ? 0 : page->events.front().seq;
}

}  // namespace

TEST_CASE("retention prunes every account on its first tick, then the accounts written since",
          "[retention]") {
  auto repo = SqliteRepository::open(SqliteOptions{":memory:"}).value();
  FixedClock clock(1772539200);
  Orders orders(*repo, clock);
  // Another process's writes: on the same store, not heard by this Orders' bus.
  Orders elsewhere(*repo, clock);
  for (int i = 0; i < 3; ++i) {
    REQUIRE(orders.place("idle", buy()).ok());
    REQUIRE(orders.place("busy", buy()).ok());
  }
  server::Retention retention(orders, 1);
  retention.tick();  // the first: every account
  CHECK(oldest(orders, "idle") == 3);
  CHECK(oldest(orders, "busy") == 3);

  REQUIRE(elsewhere.place("idle", buy()).ok());  // 4, not heard here
  REQUIRE(orders.place("busy", buy()).ok());     // 4
  retention.tick();
  CHECK(oldest(orders, "idle") == 3);  // not visited: its writer prunes it
  CHECK(oldest(orders, "busy") == 4);
  retention.tick();  // nothing written since: nothing visited
  CHECK(oldest(orders, "idle") == 3);

  // More accounts than one transaction takes (256): all pruned in one tick.
  for (int i = 0; i < 300; ++i) {
    const std::string account = "a" + std::to_string(i);
    REQUIRE(orders.place(account, buy()).ok());
    REQUIRE(orders.place(account, buy()).ok());
  }
  retention.tick();
  for (int i = 0; i < 300; ++i) CHECK(oldest(orders, "a" + std::to_string(i)) == 2);
  CHECK(oldest(orders, "idle") == 3);
}
