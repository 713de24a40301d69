// GET /api/v1/trading/positions, positions/snapshot and positions/{position_id}.
#include <catch2/catch.hpp>

#include "test_server.hpp"

using namespace orderstate;
using namespace orderstate::test;

namespace {

const std::string kOpened = "2026-03-03T12:00:00Z";
const std::string kLater = "2026-03-03T12:01:00Z";

// acct-1: position 1 OPEN, 2 CLOSED (canceled), 3 LIQUIDATED; acct-2: 4 OPEN.
void seed(TestServer& s) {
  place(s.orders(), "acct-1");
  place(s.orders(), "acct-1");
  place(s.orders(), "acct-1");
  place(s.orders(), "acct-2");
  s.clock().advance(60);
  REQUIRE(s.orders().cancel("acct-1", "ord-20260303120000-2").ok());
  REQUIRE(s.orders().liquidate("acct-1", "pos-20260303120000-3").ok());
}

std::string list_of(const std::string& positions, int count) {
  return success(R"({"count":)" + std::to_string(count) + R"(,"positions":[)" + positions + "]}");
}

}  // namespace

TEST_CASE("positions lists the account's positions, filtered by status in any case", "[http]") {
  TestServer s;
  seed(s);
  const std::string p1 = position_json(1, "OPEN", kOpened);
  const std::string p2 = position_json(2, "CLOSED", kLater);
  const std::string p3 = position_json(3, "LIQUIDATED", kLater);

  CHECK(s.get("positions").body == list_of(p1 + "," + p2 + "," + p3, 3));
  CHECK(s.get("positions?status=OPEN").body == list_of(p1, 1));
  CHECK(s.get("positions?status=closed").body == list_of(p2, 1));
  CHECK(s.get("positions?status=Liquidated").body == list_of(p3, 1));
  CHECK(s.get("positions", kOtherKey).body == list_of(position_json(4, "OPEN", kOpened), 1));
}

TEST_CASE("positions with an unknown status filter answers 400 invalid status filter", "[http]") {
  TestServer s;
  for (const std::string query : {"?status=FILLED", "?status=open%20", "?status=*"}) {
    INFO("query: " << query);
    const Reply r = s.get("positions" + query);
    CHECK(r.status == 400);
    CHECK(r.body == R"({"status":"error","error":"invalid status filter"})");
  }
}

TEST_CASE("positions/snapshot counts open and closed positions and lists them all", "[http]") {
  TestServer s;
  seed(s);

  const Reply r = s.get("positions/snapshot");

  CHECK(r.status == 200);
  CHECK(r.body ==
        success(R"({"snapshot_id":"snap-1772539260123456789",)"
                R"("timestamp":"2026-03-03T12:01:00Z","total_positions":3,)"
                R"("open_positions":1,"closed_positions":2,"positions":[)" +
                position_json(1, "OPEN", kOpened) + "," + position_json(2, "CLOSED", kLater) + "," +
                position_json(3, "LIQUIDATED", kLater) + "]}"));
}

TEST_CASE("positions/snapshot of an account without positions is empty", "[http]") {
  TestServer s;

  const Reply r = s.get("positions/snapshot");

  CHECK(r.status == 200);
  CHECK(r.body == success(R"({"snapshot_id":"snap-1772539200123456789",)"
                          R"("timestamp":"2026-03-03T12:00:00Z","total_positions":0,)"
                          R"("open_positions":0,"closed_positions":0,"positions":[]})"));
}

TEST_CASE("positions/{id} answers the position, or 404 position not found", "[http]") {
  TestServer s;
  seed(s);
  const std::string not_found = R"({"status":"error","error":"position not found"})";

  CHECK(s.get("positions/pos-20260303120000-2").body ==
        success(position_json(2, "CLOSED", kLater)));
  for (const std::string id :
       {"pos-20260303120000-4", "pos-20260303120000-99", "ord-20260303120000-1", "pos-1"}) {
    INFO("id: " << id);
    const Reply r = s.get("positions/" + id);
    CHECK(r.status == 404);
    CHECK(r.body == not_found);
  }
}
