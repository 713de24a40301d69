// GET /api/v1/trading/orders, orders/{order_id} and orders/{order_id}/events.
#include <catch2/catch.hpp>

#include "test_server.hpp"

using namespace orderstate;
using namespace orderstate::test;

namespace {

const std::string kAt = "2026-03-03T12:00:00Z";

std::string page_of(const std::string& orders, int count, const std::string& next_cursor) {
  return success(R"({"count":)" + std::to_string(count) + R"(,"orders":[)" + orders +
                 R"(],"next_cursor":)" + next_cursor + "}");
}

}  // namespace

TEST_CASE("orders/{id} answers the order, or 404 order not found", "[http]") {
  TestServer s;
  place(s.orders(), "acct-1");
  place(s.orders(), "acct-2");
  const std::string not_found = R"({"status":"error","error":"order not found"})";

  CHECK(s.get("orders/ord-20260303120000-1").body == success(order_json(1, "OPEN", kAt)));
  for (const std::string id :
       {"ord-20260303120000-2", "ord-20260303120000-3", "pos-20260303120000-1", "ord-1"}) {
    INFO("id: " << id);
    const Reply r = s.get("orders/" + id);
    CHECK(r.status == 404);
    CHECK(r.body == not_found);
  }
}

TEST_CASE("orders pages newest first and hands out a cursor while more may follow", "[http]") {
  TestServer s;
  for (int i = 0; i < 3; ++i) place(s.orders(), "acct-1");
  place(s.orders(), "acct-2");

  const Reply first = s.get("orders?limit=2");
  const Reply second = s.get("orders?limit=2&cursor=ord-20260303120000-2");

  CHECK(first.status == 200);
  CHECK(first.body == page_of(order_json(3, "OPEN", kAt) + "," + order_json(2, "OPEN", kAt), 2,
                              R"("ord-20260303120000-2")"));
  CHECK(second.body == page_of(order_json(1, "OPEN", kAt), 1, "null"));
}

TEST_CASE("orders filters by status in any case and by symbol", "[http]") {
  TestServer s;
  place(s.orders(), "acct-1");
  place(s.orders(), "acct-1", "ETH/USDT");
  place(s.orders(), "acct-1");
  REQUIRE(s.orders().cancel("acct-1", "ord-20260303120000-3").ok());

  CHECK(s.get("orders?status=canceled").body == page_of(order_json(3, "CANCELED", kAt), 1, "null"));
  CHECK(s.get("orders?status=OPEN&symbol=ETH/USDT").body ==
        page_of(order_json(2, "OPEN", kAt, "ETH/USDT"), 1, "null"));
  CHECK(s.get("orders?symbol=DOGE").body == page_of("", 0, "null"));
}

TEST_CASE("orders with bad query parameters answers 400 naming the problem", "[http]") {
  TestServer s;
  const std::pair<std::string, std::string> cases[] = {
      {"?status=PENDING", "invalid status filter"},
      {"?limit=ten", "invalid limit"},
      {"?limit=5x", "invalid limit"},
      {"?limit=99999999999", "invalid limit"},
      {"?limit=0", "limit must be between 1 and 1000"},
      {"?limit=1001", "limit must be between 1 and 1000"},
      {"?cursor=page-2", "malformed cursor"},
  };
  for (const auto& [query, message] : cases) {
    INFO("query: " << query);
    const Reply r = s.get("orders" + query);
    CHECK(r.status == 400);
    CHECK(r.body == failure(message));
  }
}

TEST_CASE("orders/{id}/events lists the order's journal oldest first", "[http]") {
  TestServer s;
  place(s.orders(), "acct-1");
  s.clock().advance(300);
  REQUIRE(s.post("cancel_order", R"({"order_id":"ord-20260303120000-1"})").status == 200);

  const Reply r = s.get("orders/ord-20260303120000-1/events");

  CHECK(r.status == 200);
  CHECK(r.body == R"({"status":"success","data":{"count":2,"events":[)"
                  R"({"order_id":"ord-20260303120000-1","from":null,"to":"OPEN",)"
                  R"("at":"2026-03-03T12:00:00Z","reason":"place"},)"
                  R"({"order_id":"ord-20260303120000-1","from":"OPEN","to":"CANCELED",)"
                  R"("at":"2026-03-03T12:05:00Z","reason":"cancel"}]}})");
  CHECK(s.get("orders/ord-20260303120000-1/events", kOtherKey).body ==
        R"({"status":"error","error":"order not found"})");
}
