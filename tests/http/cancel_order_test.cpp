// POST /api/v1/trading/cancel_order, against the spec's bodies byte for byte.
#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "test_server.hpp"

using namespace orderstate;
using namespace orderstate::test;

namespace {

const std::string kPlaceSpecOrder =
    R"({"exchange":"binance","symbol":"BTC/USDT","side":"BUY","type":"LIMIT",)"
    R"("amount":"0.01","price":"50000.00"})";
const std::string kCancelFirst = R"({"order_id":"ord-20260303120000-1"})";

}  // namespace

TEST_CASE("cancel of an open order answers 200 with the spec's example body", "[http]") {
  TestServer s;
  REQUIRE(s.post("place_order", kPlaceSpecOrder).status == 201);
  s.clock().advance(300);

  const Reply r = s.post("cancel_order", kCancelFirst);

  CHECK(r.status == 200);
  CHECK(r.content_type == "application/json");
  CHECK(r.body ==
        R"({"status":"success","data":{"order_id":"ord-20260303120000-1",)"
        R"("position_id":"pos-20260303120000-1","exchange":"binance","symbol":"BTC/USDT",)"
        R"("side":"BUY","type":"LIMIT","amount":"0.01","price":"50000.00","status":"CANCELED",)"
        R"("created_at":"2026-03-03T12:00:00Z","updated_at":"2026-03-03T12:05:00Z"}})");
}

TEST_CASE("cancel of an open order closes its position", "[http]") {
  TestServer s;
  place(s.orders(), "acct-1");
  s.clock().advance(300);
  REQUIRE(s.post("cancel_order", kCancelFirst).status == 200);

  const Reply r = s.get("positions/pos-20260303120000-1");

  CHECK(r.status == 200);
  CHECK(r.body == success(position_json(1, "CLOSED", "2026-03-03T12:05:00Z")));
}

TEST_CASE("a second cancel of one order answers 409 order is not open", "[http]") {
  TestServer s;
  place(s.orders(), "acct-1");
  REQUIRE(s.post("cancel_order", kCancelFirst).status == 200);

  const Reply r = s.post("cancel_order", kCancelFirst);

  CHECK(r.status == 409);
  CHECK(r.body == R"({"status":"error","error":"order is not open"})");
}

// Issue 14: v1 stays the original's for every order. A partially filled
// order is still working: v1 shows it OPEN in the eleven-field shape, and its
// cancel answers the spec's 200 with CANCELED; the filled part keeps the
// position OPEN (v2 shows the quantities).
TEST_CASE("a partially filled order shows OPEN in v1 and its cancel answers the spec's 200",
          "[http]") {
  TestServer s;
  REQUIRE(s.post("place_order", kPlaceSpecOrder).status == 201);
  s.clock().advance(60);
  REQUIRE(s.orders()
              .apply_execution("acct-1", {.exec_id = "T1",
                                          .order_id = "ord-20260303120000-1",
                                          .kind = ExecKind::Trade,
                                          .last_amount = "0.004",
                                          .last_price = "50010.00"})
              .ok());
  const std::string order_fields =
      R"("order_id":"ord-20260303120000-1","position_id":"pos-20260303120000-1",)"
      R"("exchange":"binance","symbol":"BTC/USDT","side":"BUY","type":"LIMIT","amount":"0.01",)"
      R"("price":"50000.00",)";
  CHECK(s.get("orders/ord-20260303120000-1").body ==
        R"({"status":"success","data":{)" + order_fields +
            R"("status":"OPEN","created_at":"2026-03-03T12:00:00Z",)"
            R"("updated_at":"2026-03-03T12:01:00Z"}})");
  CHECK(s.get("orders?status=OPEN").body.find("ord-20260303120000-1") != std::string::npos);
  s.clock().advance(240);

  const Reply r = s.post("cancel_order", kCancelFirst);

  CHECK(r.status == 200);
  CHECK(r.body == R"({"status":"success","data":{)" + order_fields +
                      R"("status":"CANCELED","created_at":"2026-03-03T12:00:00Z",)"
                      R"("updated_at":"2026-03-03T12:05:00Z"}})");
  const Reply position = s.get("positions/pos-20260303120000-1");
  CHECK(position.body.find(R"("size":"0.004","entry_price":"50010.0000000000","status":"OPEN")") !=
        std::string::npos);
}

TEST_CASE("cancel of a filled order answers 409 order is not open", "[http]") {
  TestServer s;
  const std::string id = place(s.orders(), "acct-1");
  REQUIRE(s.orders().fill("acct-1", id).ok());

  const Reply r = s.post("cancel_order", kCancelFirst);

  CHECK(r.status == 409);
  CHECK(r.body == R"({"status":"error","error":"order is not open"})");
}

TEST_CASE("cancel of an unknown order answers 404 order not found", "[http]") {
  TestServer s;
  place(s.orders(), "acct-1");

  const Reply r = s.post("cancel_order", R"({"order_id":"ord-20260303120000-2"})");

  CHECK(r.status == 404);
  CHECK(r.body == R"({"status":"error","error":"order not found"})");
}

TEST_CASE("cancel of another account's order answers 404 and leaves it open", "[http]") {
  TestServer s;
  place(s.orders(), "acct-1");

  const Reply r = s.post("cancel_order", kCancelFirst, kOtherKey);

  CHECK(r.status == 404);
  CHECK(r.body == R"({"status":"error","error":"order not found"})");
  CHECK(s.get("orders/ord-20260303120000-1").body ==
        success(order_json(1, "OPEN", "2026-03-03T12:00:00Z")));
}

TEST_CASE("cancel with a malformed payload answers 400 invalid request payload", "[http]") {
  TestServer s;
  place(s.orders(), "acct-1");
  const std::vector<std::string> bodies = {
      "",
      "not json",
      R"({"order_id":"ord-20260303120000-1")",  // truncated
      R"(["ord-20260303120000-1"])",
      R"("ord-20260303120000-1")",
      "null",
      "{}",
      R"({"order_id":null})",
      R"({"order_id":20260303120000})",
      R"({"order_id":true})",
      R"({"order_id":{"id":"ord-20260303120000-1"}})",
      R"({"order_id":""})",
      R"({"order_id":"ord-2026-1"})",
      R"({"order_id":"pos-20260303120000-1"})",
      R"({"order_id":"ord-20260303120000-"})",
      R"({"order_id":"ord-20260303120000-x"})",
      R"({"order_id":" ord-20260303120000-1"})",
      R"({"order_id":"ord-20260303120000-99999999999999999999"})",
      std::string("{\"order_id\":\"ord-20260303120000-1\"}\0", 36),  // raw NUL
      "{\"order_id\":\"ord-\xff\"}",                                 // not UTF-8
  };
  for (const std::string& body : bodies) {
    INFO("body: " << body);
    const Reply r = s.post("cancel_order", body);
    CHECK(r.status == 400);
    CHECK(r.body == R"({"status":"error","error":"invalid request payload"})");
  }
  CHECK(s.get("orders/ord-20260303120000-1").body ==
        success(order_json(1, "OPEN", "2026-03-03T12:00:00Z")));
}

TEST_CASE("cancel ignores members other than order_id", "[http]") {
  TestServer s;
  place(s.orders(), "acct-1");

  const Reply r =
      s.post("cancel_order", R"({"note":[1,{"a":null}],"order_id":"ord-20260303120000-1"})");

  CHECK(r.status == 200);
  CHECK(r.body == success(order_json(1, "CANCELED", "2026-03-03T12:00:00Z")));
}

TEST_CASE("cancel without a valid bearer key answers 401 unauthorized", "[http]") {
  TestServer s;
  place(s.orders(), "acct-1");
  for (const std::string& key : {std::string(), std::string("wrong"), std::string("k"),
                                 std::string("k1k1"), std::string("K1")}) {
    INFO("key: '" << key << "'");
    const Reply r = s.post("cancel_order", kCancelFirst, key);
    CHECK(r.status == 401);
    CHECK(r.body == R"({"status":"error","error":"unauthorized"})");
  }
  CHECK(s.get("orders/ord-20260303120000-1").body ==
        success(order_json(1, "OPEN", "2026-03-03T12:00:00Z")));
}

TEST_CASE("concurrent cancels of one order: exactly one answers 200, the rest 409", "[http]") {
  TestServer s;
  place(s.orders(), "acct-1");
  constexpr int kClients = 8;
  std::vector<Reply> replies(kClients);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] { replies[i] = s.post("cancel_order", kCancelFirst); });
  }
  for (std::thread& t : clients) t.join();

  int ok = 0;
  int conflict = 0;
  for (const Reply& r : replies) {
    if (r.status == 200) {
      ++ok;
      CHECK(r.body == success(order_json(1, "CANCELED", "2026-03-03T12:00:00Z")));
    } else if (r.status == 409) {
      ++conflict;
      CHECK(r.body == R"({"status":"error","error":"order is not open"})");
    }
  }
  CHECK(ok == 1);
  CHECK(conflict == kClients - 1);
  const auto events = s.orders().history("acct-1", "ord-20260303120000-1");
  REQUIRE(events.ok());
  CHECK(events->size() == 2);  // place, one cancel
}
