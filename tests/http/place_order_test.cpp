// POST /api/v1/trading/place_order.
#include <catch2/catch.hpp>
#include <utility>
#include <vector>

#include "test_server.hpp"

using namespace orderstate;
using namespace orderstate::test;

namespace {

const std::string kAt = "2026-03-03T12:00:00Z";

std::string placed_json(int seq) {
  return success(R"({"order":)" + order_json(seq, "OPEN", kAt) + R"(,"position":)" +
                 position_json(seq, "OPEN", kAt) + "}");
}

// A place_order body with `member` (e.g. R"("amount":"1")") after the others.
std::string body_with(const std::string& members) {
  return R"({"exchange":"binance","symbol":"BTC/USDT","side":"BUY","type":"LIMIT",)" + members +
         "}";
}

}  // namespace

TEST_CASE("placing a LIMIT order answers 201 with the order and its position", "[http]") {
  TestServer s;

  const Reply r = s.post("place_order", body_with(R"("amount":"0.01","price":"50000.00")"));

  CHECK(r.status == 201);
  CHECK(r.content_type == "application/json");
  CHECK(r.body == placed_json(1));
}

TEST_CASE("a MARKET order without a price is placed at price 0", "[http]") {
  TestServer s;

  const Reply r = s.post("place_order", R"({"exchange":"kraken","symbol":"ETH/USD","side":"sell",)"
                                        R"("type":"market","amount":"1.50"})");

  CHECK(r.status == 201);
  CHECK(r.body ==
        R"({"status":"success","data":{"order":{"order_id":"ord-20260303120000-1",)"
        R"("position_id":"pos-20260303120000-1","exchange":"kraken","symbol":"ETH/USD",)"
        R"("side":"SELL","type":"MARKET","amount":"1.50","price":"0","status":"OPEN",)"
        R"("created_at":"2026-03-03T12:00:00Z","updated_at":"2026-03-03T12:00:00Z"},)"
        R"("position":{"position_id":"pos-20260303120000-1","order_id":"ord-20260303120000-1",)"
        R"("exchange":"kraken","symbol":"ETH/USD","side":"SELL","size":"1.50",)"
        R"("entry_price":"0","status":"OPEN","opened_at":"2026-03-03T12:00:00Z",)"
        R"("updated_at":"2026-03-03T12:00:00Z"}}})");
}

TEST_CASE("amount and price sent as JSON numbers keep the text the client wrote", "[http]") {
  TestServer s;

  const Reply r = s.post("place_order", body_with(R"("amount":0.01,"price":50000.00)"));

  CHECK(r.status == 201);
  CHECK(r.body == placed_json(1));
}

TEST_CASE("side and type are read in any case with surrounding blanks", "[http]") {
  TestServer s;

  const Reply r = s.post("place_order", R"({"exchange":"binance","symbol":"BTC/USDT",)"
                                        R"("side":" buy ","type":"Limit","amount":"0.01",)"
                                        R"("price":"50000.00"})");

  CHECK(r.status == 201);
  CHECK(r.body == placed_json(1));
}

TEST_CASE("a repeated client_order_id answers 200 with the first order, placing nothing",
          "[http]") {
  TestServer s;
  const std::string first =
      body_with(R"("amount":"0.01","price":"50000.00","client_order_id":"c-1")");
  REQUIRE(s.post("place_order", first).status == 201);
  s.clock().advance(60);

  const Reply again = s.post("place_order", first);
  const Reply changed =
      s.post("place_order", body_with(R"("amount":"9","price":"1","client_order_id":"c-1")"));
  const Reply other = s.post(
      "place_order", body_with(R"("amount":"0.01","price":"50000.00","client_order_id":"c-2")"));

  CHECK(again.status == 200);
  CHECK(again.body == placed_json(1));
  CHECK(changed.status == 200);
  CHECK(changed.body == placed_json(1));
  CHECK(other.status == 201);
  CHECK(other.body.find(R"("order_id":"ord-20260303120100-2")") != std::string::npos);
}

TEST_CASE("place_order payload problems answer 400 invalid request payload", "[http]") {
  TestServer s;
  const std::vector<std::string> bodies = {
      "",
      "[]",
      "null",
      "{}",
      R"({"symbol":"BTC/USDT","side":"BUY","amount":"1"})",
      R"({"exchange":"","symbol":"BTC/USDT","side":"BUY","amount":"1"})",
      R"({"exchange":null,"symbol":"BTC/USDT","side":"BUY","amount":"1"})",
      R"({"exchange":7,"symbol":"BTC/USDT","side":"BUY","amount":"1"})",
      R"({"exchange":"binance","side":"BUY","amount":"1"})",
      R"({"exchange":"binance","symbol":["BTC"],"side":"BUY","amount":"1"})",
      R"({"exchange":"binance","symbol":"BTC/USDT","amount":"1"})",
      R"({"exchange":"binance","symbol":"BTC/USDT","side":"","amount":"1"})",
      R"({"exchange":"binance","symbol":"BTC/USDT","side":1,"amount":"1"})",
      body_with(R"("price":"1")"),
      body_with(R"("amount":"","price":"1")"),
      body_with(R"("amount":true,"price":"1")"),
      body_with(R"("amount":"abc","price":"1")"),
      body_with(R"("amount":"1e5","price":"1")"),
      body_with(R"("amount":1e5,"price":"1")"),
      body_with(R"("amount":"+1","price":"1")"),
      body_with(R"("amount":" 1","price":"1")"),
      body_with(R"("amount":"1","price":"1,5")"),
      body_with(R"("amount":"1","price":{"v":1})"),
      R"({"exchange":"binance","symbol":"BTC/USDT","side":"BUY","type":5,"amount":"1"})",
      body_with(R"("amount":"1","price":"1","client_order_id":7)"),
  };
  for (const std::string& body : bodies) {
    INFO("body: " << body);
    const Reply r = s.post("place_order", body);
    CHECK(r.status == 400);
    CHECK(r.body == R"({"status":"error","error":"invalid request payload"})");
  }
  const auto page = s.orders().list_orders("acct-1", {});
  REQUIRE(page.ok());
  CHECK(page->orders.empty());
}

TEST_CASE("place_order answers the service's validation messages with 400", "[http]") {
  TestServer s;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {body_with(R"("amount":"0","price":"1")"), "amount must be greater than zero"},
      {body_with(R"("amount":"-0.5","price":"1")"), "amount must be greater than zero"},
      {body_with(R"("amount":0,"price":"1")"), "amount must be greater than zero"},
      {R"({"exchange":"binance","symbol":"BTC/USDT","side":"HOLD","amount":"1"})",
       "side must be BUY or SELL"},
      {R"({"exchange":"binance","symbol":"BTC/USDT","side":"BUY","type":"STOP","amount":"1"})",
       "type must be MARKET or LIMIT"},
      {body_with(R"("amount":"1","price":"0")"),
       "price must be greater than zero for LIMIT orders"},
      {body_with(R"("amount":"1")"), "price must be greater than zero for LIMIT orders"},
      {body_with(R"("amount":"1","price":null)"),
       "price must be greater than zero for LIMIT orders"},
  };
  for (const auto& [body, message] : cases) {
    INFO("body: " << body);
    const Reply r = s.post("place_order", body);
    CHECK(r.status == 400);
    CHECK(r.body == failure(message));
  }
}

TEST_CASE("place_order without a valid bearer key answers 401 and places nothing", "[http]") {
  TestServer s;

  const Reply r = s.post("place_order", body_with(R"("amount":"1","price":"1")"), "nope");

  CHECK(r.status == 401);
  CHECK(r.body == R"({"status":"error","error":"unauthorized"})");
  const auto page = s.orders().list_orders("acct-1", {});
  REQUIRE(page.ok());
  CHECK(page->orders.empty());
}
