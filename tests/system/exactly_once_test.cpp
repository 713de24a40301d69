// Two orderstate-server processes on one SQLite file: many clients race to
// cancel the same orders through both, and each order is canceled exactly
// once (one 200, the rest 409), its position closed, one CANCELED event.
#include <catch2/catch.hpp>
#include <set>
#include <vector>

#include "api.hpp"
#include "race.hpp"

using namespace orderstate::system_test;

namespace {

constexpr int kOrders = 300;

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

}  // namespace

TEST_CASE("racing cancels through two server processes on one file cancel each order exactly once",
          "[system]") {
  TempDir dir;
  ServerOptions options{
      dir.path() / "orders.db", dir.path() / "stderr.log", {"--durability", "normal"}};
  ServerProcess first(options);
  ServerProcess second(options);
  REQUIRE(first.port() > 0);
  REQUIRE(second.port() > 0);
  const int ports[2] = {first.port(), second.port()};

  Api a(ports[0]), b(ports[1]);
  const std::vector<std::string> ids = place_orders(a, b);
  REQUIRE(std::set<std::string>(ids.begin(), ids.end()).size() == ids.size());

  require_cancels_exactly_once(ports, ids);
  CHECK(first.stop() == 0);
  CHECK(second.stop() == 0);
}

TEST_CASE("duplicate trade reports through two server processes on one file count exactly once",
          "[system]") {
  TempDir dir;
  ServerOptions options{
      dir.path() / "orders.db", dir.path() / "stderr.log", {"--durability", "normal"}};
  ServerProcess first(options);
  ServerProcess second(options);
  REQUIRE(first.port() > 0);
  REQUIRE(second.port() > 0);
  const int ports[2] = {first.port(), second.port()};
  require_trades_exactly_once(ports);
  CHECK(first.stop() == 0);
  CHECK(second.stop() == 0);
}
