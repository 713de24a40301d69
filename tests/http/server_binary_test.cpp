// The real orderstate-server binary: flags, the "listening on" line, clean
// shutdown on SIGTERM, and a database that survives a restart.
#include <httplib.h>

#include <catch2/catch.hpp>
#include <vector>

#include "orderstate/ids.hpp"
#include "server_child.hpp"

using namespace orderstate::test;

namespace {

const std::string kKey = "k-secret-7";
const httplib::Headers kAuth = {{"Authorization", "Bearer " + kKey}};
const std::string kPlace = R"({"exchange":"binance","symbol":"BTC/USDT","side":"BUY",)"
                           R"("type":"LIMIT","amount":"0.01","price":"50000.00"})";

ServerChild start(const fs::path& db, const fs::path& log) {
  ServerChild s =
      spawn_server({"--port", "0", "--db", db.string(), "--api-key", "acct-a:" + kKey}, log);
  s.port = read_port(s.out);
  return s;
}

// The value of the last `"name":"..."` in a JSON body (the record's, not the envelope's).
std::string member(const std::string& body, const std::string& name) {
  const std::string key = "\"" + name + "\":\"";
  const auto at = body.rfind(key);
  if (at == std::string::npos) return {};
  const auto begin = at + key.size();
  return body.substr(begin, body.find('"', begin) - begin);
}

std::int64_t seq_of(const std::string& order_id) {
  const auto parts = orderstate::parse_id(orderstate::IdKind::Order, order_id);
  return parts ? parts->seq : -1;
}

}  // namespace

TEST_CASE("the server binary keeps orders across a restart and never reuses a sequence",
          "[http][binary]") {
  TempDir dir;
  const fs::path db = dir.path / "orders.db";
  const fs::path log = dir.path / "stderr.log";

  ServerChild first = start(db, log);
  REQUIRE(first.port > 0);
  httplib::Client c1("127.0.0.1", first.port);
  auto placed = c1.Post("/api/v1/trading/place_order", kAuth, kPlace, "application/json");
  REQUIRE(placed);
  REQUIRE(placed->status == 201);
  const std::string canceled_id = member(placed->body, "order_id");
  auto canceled = c1.Post("/api/v1/trading/cancel_order", kAuth,
                          R"({"order_id":")" + canceled_id + "\"}", "application/json");
  REQUIRE(canceled);
  CHECK(canceled->status == 200);
  CHECK(member(canceled->body, "status") == "CANCELED");
  auto open = c1.Post("/api/v1/trading/place_order", kAuth, kPlace, "application/json");
  REQUIRE(open);
  const std::string open_id = member(open->body, "order_id");
  CHECK(stop_server(first) == 0);

  ServerChild second = start(db, log);
  REQUIRE(second.port > 0);
  httplib::Client c2("127.0.0.1", second.port);
  auto kept_canceled = c2.Get(("/api/v1/trading/orders/" + canceled_id).c_str(), kAuth);
  auto kept_open = c2.Get(("/api/v1/trading/orders/" + open_id).c_str(), kAuth);
  auto again = c2.Post("/api/v1/trading/place_order", kAuth, kPlace, "application/json");
  REQUIRE(kept_canceled);
  REQUIRE(kept_open);
  REQUIRE(again);
  CHECK(member(kept_canceled->body, "status") == "CANCELED");
  CHECK(member(kept_open->body, "status") == "OPEN");
  CHECK(again->status == 201);
  CHECK(seq_of(member(again->body, "order_id")) > seq_of(open_id));
  CHECK(seq_of(open_id) > seq_of(canceled_id));
  CHECK(stop_server(second) == 0);

  const std::string stderr_text = read_file(log);
  CHECK(stderr_text.find("POST /api/v1/trading/cancel_order 200 ") != std::string::npos);
  CHECK(stderr_text.find(kKey) == std::string::npos);
}

TEST_CASE("the server binary exits 2 on bad flags and 0 on --help", "[http][binary]") {
  TempDir dir;
  const fs::path log = dir.path / "stderr.log";
  CHECK(exit_code_of({"--port", "http"}, log) == 2);
  CHECK(exit_code_of({"--durability", "sometimes"}, log) == 2);
  CHECK(exit_code_of({"--api-key", "no-colon"}, log) == 2);
  CHECK(exit_code_of({"--frobnicate"}, log) == 2);
  CHECK(exit_code_of({"--help"}, log) == 0);
  CHECK(read_file(log).find("usage: orderstate-server") != std::string::npos);
}
