// Storage failures behind the routes: Unavailable is 503, anything else a
// generic 500; the storage's own text never reaches the client.
#include <catch2/catch.hpp>

#include "test_server.hpp"

using namespace orderstate;
using namespace orderstate::test;

namespace {

const std::pair<std::string, std::string> kCalls[] = {
    {"place_order",
     R"({"exchange":"binance","symbol":"BTC/USDT","side":"BUY","amount":"1","price":"1"})"},
    {"cancel_order", R"({"order_id":"ord-20260303120000-1"})"},
    {"cancel_all", ""},
    {"liquidate", R"({"position_id":"pos-20260303120000-1"})"},
    {"liquidate", R"({"symbol":"BTC/USDT"})"},
    {"liquidate_all", ""},
    {"orders", ""},
    {"orders/ord-20260303120000-1", ""},
    {"orders/ord-20260303120000-1/events", ""},
    {"positions", ""},
    {"positions/snapshot", ""},
    {"positions/pos-20260303120000-1", ""},
};

Reply call(TestServer& s, const std::string& path, const std::string& body) {
  const bool is_post =
      path.find('/') == std::string::npos && path != "orders" && path != "positions";
  return is_post ? s.post(path, body) : s.get(path);
}

void check_every_route(TestServer& s, int status, const std::string& body) {
  for (const auto& [path, payload] : kCalls) {
    INFO("route: " << path << " " << payload);
    const Reply r = call(s, path, payload);
    CHECK(r.status == status);
    CHECK(r.content_type == "application/json");
    CHECK(r.body == body);
  }
}

}  // namespace

TEST_CASE("storage that is unavailable answers 503 storage unavailable", "[http]") {
  TestServer s;
  place(s.orders(), "acct-1");
  s.repository().fault = Fault::Unavailable;
  check_every_route(s, 503, R"({"status":"error","error":"storage unavailable"})");
}

TEST_CASE("a storage failure answers 500 internal error without its text", "[http]") {
  TestServer s;
  place(s.orders(), "acct-1");
  s.repository().fault = Fault::Storage;
  check_every_route(s, 500, R"({"status":"error","error":"internal error"})");
}

TEST_CASE("an exception thrown under a route answers 500 internal error", "[http]") {
  TestServer s;
  place(s.orders(), "acct-1");
  s.repository().fault = Fault::Throw;
  check_every_route(s, 500, R"({"status":"error","error":"internal error"})");
}
