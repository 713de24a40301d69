// POST /api/v1/trading/liquidate and liquidate_all.
#include <catch2/catch.hpp>
#include <vector>

#include "test_server.hpp"

using namespace orderstate;
using namespace orderstate::test;

namespace {

const std::string kAt = "2026-03-03T12:01:00Z";  // when the tests liquidate
const std::string kNoOpenPosition = R"({"status":"error","error":"open position not found"})";

// acct-1: 1 BTC/USDT, 2 ETH/USDT, 3 BTC/USDT; acct-2: 4 BTC/USDT. Then a minute passes.
void seed(TestServer& s) {
  place(s.orders(), "acct-1");
  place(s.orders(), "acct-1", "ETH/USDT");
  place(s.orders(), "acct-1");
  place(s.orders(), "acct-2");
  s.clock().advance(60);
}

}  // namespace

TEST_CASE("liquidate by position_id answers the LIQUIDATED position and closes its order",
          "[http]") {
  TestServer s;
  seed(s);

  const Reply r = s.post("liquidate", R"({"position_id":" pos-20260303120000-3 "})");

  CHECK(r.status == 200);
  CHECK(r.body == success(position_json(3, "LIQUIDATED", kAt)));
  CHECK(s.get("orders/ord-20260303120000-3").body == success(order_json(3, "CLOSED", kAt)));
}

TEST_CASE("liquidate by symbol takes the oldest open position of that symbol", "[http]") {
  TestServer s;
  seed(s);

  const Reply first = s.post("liquidate", R"({"symbol":" BTC/USDT "})");
  const Reply second = s.post("liquidate", R"({"symbol":"BTC/USDT"})");
  const Reply third = s.post("liquidate", R"({"symbol":"BTC/USDT"})");

  CHECK(first.body == success(position_json(1, "LIQUIDATED", kAt)));
  CHECK(second.body == success(position_json(3, "LIQUIDATED", kAt)));
  CHECK(third.status == 404);
  CHECK(third.body == kNoOpenPosition);
}

TEST_CASE("liquidate of a position that is not open answers 404 open position not found",
          "[http]") {
  TestServer s;
  seed(s);
  REQUIRE(s.post("liquidate", R"({"position_id":"pos-20260303120000-1"})").status == 200);
  REQUIRE(s.orders().cancel("acct-1", "ord-20260303120000-2").ok());

  for (const std::string body : {
           R"({"position_id":"pos-20260303120000-1"})",   // already liquidated
           R"({"position_id":"pos-20260303120000-2"})",   // its order was canceled
           R"({"position_id":"pos-20260303120000-4"})",   // another account's
           R"({"position_id":"pos-20260303120000-99"})",  // never existed
           R"({"position_id":"ord-20260303120000-3"})",   // not a position id
           R"({"symbol":"ETH/USDT"})",                    // none open
           R"({"symbol":"DOGE/USDT"})",
       }) {
    INFO("body: " << body);
    const Reply r = s.post("liquidate", body);
    CHECK(r.status == 404);
    CHECK(r.body == kNoOpenPosition);
  }
}

TEST_CASE("liquidate without position_id or symbol answers 400", "[http]") {
  TestServer s;
  seed(s);
  for (const std::string body : {"{}", R"({"position_id":"  "})", R"({"symbol":""})",
                                 R"({"position_id":null,"symbol":null})"}) {
    INFO("body: " << body);
    const Reply r = s.post("liquidate", body);
    CHECK(r.status == 400);
    CHECK(r.body == R"({"status":"error","error":"position_id or symbol is required"})");
  }
  for (const std::string body : {"", "nope", "[]", R"({"position_id":3})", R"({"symbol":[]})"}) {
    INFO("body: " << body);
    const Reply r = s.post("liquidate", body);
    CHECK(r.status == 400);
    CHECK(r.body == R"({"status":"error","error":"invalid request payload"})");
  }
}

TEST_CASE("liquidate_all liquidates the account's open positions of a symbol, or all", "[http]") {
  TestServer s;
  seed(s);

  const Reply btc = s.post("liquidate_all", R"({"symbol":"BTC/USDT"})");
  const Reply rest = s.post("liquidate_all", "");
  const Reply none = s.post("liquidate_all", "{}");

  CHECK(btc.status == 200);
  CHECK(btc.body == success(R"({"count":2,"positions":[)" + position_json(1, "LIQUIDATED", kAt) +
                            "," + position_json(3, "LIQUIDATED", kAt) + "]}"));
  CHECK(rest.body == success(R"({"count":1,"positions":[)" +
                             position_json(2, "LIQUIDATED", kAt, "ETH/USDT") + "]}"));
  CHECK(none.body == success(R"({"count":0,"positions":[]})"));
  CHECK(s.get("positions/pos-20260303120000-4", kOtherKey).body ==
        success(position_json(4, "OPEN", "2026-03-03T12:00:00Z")));
}

TEST_CASE("liquidate_all with a malformed body answers 400 and liquidates nothing", "[http]") {
  TestServer s;
  seed(s);
  for (const std::string body : {"[]", "x", R"({"symbol":5})"}) {
    INFO("body: " << body);
    const Reply r = s.post("liquidate_all", body);
    CHECK(r.status == 400);
    CHECK(r.body == R"({"status":"error","error":"invalid request payload"})");
  }
  CHECK(s.get("positions?status=OPEN").body.find(R"("count":3)") != std::string::npos);
}
