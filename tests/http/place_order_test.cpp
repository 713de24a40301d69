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

TEST_CASE(
    "a replayed client_order_id answers 200 with the first order, other parameters answer 409",
    "[http]") {
  TestServer s;
  const std::string first =
      body_with(R"("amount":"0.01","price":"50000.00","client_order_id":"c-1")");
  REQUIRE(s.post("place_order", first).status == 201);
  s.clock().advance(60);

  const Reply again = s.post("place_order", first);
  const Reply changed =
      s.post("place_order", body_with(R"("amount":"9","price":"1","client_order_id":"c-1")"));
  // Same number, other text: not an exact replay either.
  const Reply reformatted = s.post(
      "place_order", body_with(R"("amount":"0.010","price":"50000.00","client_order_id":"c-1")"));
  const Reply other = s.post(
      "place_order", body_with(R"("amount":"0.01","price":"50000.00","client_order_id":"c-2")"));

  CHECK(again.status == 200);
  CHECK(again.body == placed_json(1));
  CHECK(changed.status == 409);
  CHECK(changed.body ==
        R"({"status":"error","error":"client_order_id already used with different parameters"})");
  CHECK(reformatted.status == 409);
  CHECK(s.get("orders").body.find(R"("count":2)") != std::string::npos);  // c-1 and c-2 only
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

TEST_CASE("a repeated JSON key or a lone UTF-16 surrogate is 400 on every route", "[http]") {
  TestServer s;
  REQUIRE(s.post("place_order", body_with(R"("amount":"0.01","price":"50000.00")")).status == 201);
  const std::string invalid = R"({"status":"error","error":"invalid request payload"})";
  const std::vector<std::pair<std::string, std::string>> requests = {
      {"place_order", body_with(R"("amount":"0.01","amount":"9","price":"1")")},
      {"place_order", R"({"exchange":"binance","symbol":"BTC\udc00","side":"BUY",)"
                      R"("type":"LIMIT","amount":"0.01","price":"1"})"},
      {"place_order", R"({"exchange":"binance","symbol":"BTC\ud800x","side":"BUY",)"
                      R"("type":"LIMIT","amount":"0.01","price":"1"})"},
      {"cancel_order", R"({"order_id":"ord-20260303120000-1","order_id":"ord-1"})"},
      {"cancel_all", R"({"symbol":"BTC/USDT","symbol":"ETH/USDT"})"},
      {"cancel_all", R"({"symbol":"\udc00"})"},
      {"liquidate", R"({"symbol":"BTC/USDT","symbol":"ETH/USDT"})"},
      {"liquidate_all", R"({"sym\udc00bol":"BTC/USDT"})"},
  };
  for (const auto& [route, body] : requests) {
    const Reply r = s.post(route, body);
    INFO(route << " " << body);
    CHECK(r.status == 400);
    CHECK(r.body == invalid);
  }
  // Nothing changed: the one order is still OPEN and its position too.
  CHECK(s.get("orders/ord-20260303120000-1").body.find(R"("status":"OPEN")") != std::string::npos);
}

TEST_CASE("surrounding blanks in a symbol mean the same symbol at every entry", "[http]") {
  TestServer s;
  const Reply placed = s.post(
      "place_order", R"({"exchange":" binance","symbol":" BTC/USDT ","side":"BUY","type":"LIMIT",)"
                     R"("amount":"0.01","price":"50000.00"})");
  REQUIRE(placed.status == 201);
  CHECK(placed.body.find(R"("exchange":"binance","symbol":"BTC/USDT")") != std::string::npos);
  CHECK(s.get("orders?symbol=%20BTC/USDT").body.find(R"("count":1)") != std::string::npos);
  const Reply canceled = s.post("cancel_all", R"({"symbol":"BTC/USDT\t"})");
  CHECK(canceled.status == 200);
  CHECK(canceled.body.find(R"("status":"CANCELED")") != std::string::npos);
  CHECK(s.get("orders?symbol=BTC/USDT&status=OPEN").body.find(R"("count":0)") != std::string::npos);
}
