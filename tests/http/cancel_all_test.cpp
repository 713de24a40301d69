// POST /api/v1/trading/cancel_all.
#include <catch2/catch.hpp>

#include "test_server.hpp"

using namespace orderstate;
using namespace orderstate::test;

TEST_CASE("cancel_all cancels the account's open orders of a symbol, or all", "[http]") {
  TestServer s;
  place(s.orders(), "acct-1");
  place(s.orders(), "acct-1", "ETH/USDT");
  const std::string filled = place(s.orders(), "acct-1");
  place(s.orders(), "acct-2");
  REQUIRE(s.orders().fill("acct-1", filled).ok());
  s.clock().advance(30);
  const std::string at = "2026-03-03T12:00:30Z";

  const Reply btc = s.post("cancel_all", R"({"symbol":" BTC/USDT "})");
  const Reply rest = s.post("cancel_all", "");
  const Reply none = s.post("cancel_all", R"({"symbol":null})");

  CHECK(btc.status == 200);
  CHECK(btc.body == success(R"({"count":1,"orders":[)" + order_json(1, "CANCELED", at) + "]}"));
  CHECK(rest.body ==
        success(R"({"count":1,"orders":[)" + order_json(2, "CANCELED", at, "ETH/USDT") + "]}"));
  CHECK(none.body == success(R"({"count":0,"orders":[]})"));
  CHECK(s.get("positions/pos-20260303120000-1").body == success(position_json(1, "CLOSED", at)));
  CHECK(s.get("orders/ord-20260303120000-4", kOtherKey).body ==
        success(order_json(4, "OPEN", "2026-03-03T12:00:00Z")));
}

TEST_CASE("cancel_all with a malformed body answers 400 and cancels nothing", "[http]") {
  TestServer s;
  place(s.orders(), "acct-1");
  for (const std::string body : {"[]", "{", R"({"symbol":true})"}) {
    INFO("body: " << body);
    const Reply r = s.post("cancel_all", body);
    CHECK(r.status == 400);
    CHECK(r.body == R"({"status":"error","error":"invalid request payload"})");
  }
  CHECK(s.get("orders/ord-20260303120000-1").body ==
        success(order_json(1, "OPEN", "2026-03-03T12:00:00Z")));
}
