// The v2 routes (/api/v2) against the OpenAPI document, as openapi_test.cpp
// does for v1: each request goes to an in-process server; its answer must be
// one the document lists for the operation (the status among its responses,
// the Content-Type its content names, the body valid against that schema), and
// every documented (v2 operation, status) must come up at least once. Along
// the way, the exact values of a partial fill: an order's fills, in the v2
// shape and as v1 shows them.
#include <rapidjson/document.h>
#include <rapidjson/pointer.h>

#include <catch2/catch.hpp>
#include <cctype>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "json_schema.hpp"
#include "orderstate/http/openapi.hpp"
#include "test_server.hpp"

using namespace orderstate;
using namespace orderstate::test;

namespace {

const std::string kV2 = "/api/v2/";
const std::string kBig = R"({"pad":")" + std::string(70 * 1024, 'x') + "\"}";
// A LIMIT BUY of 0.01 at 50000.00.
const std::string kPlace = R"({"exchange":"binance","symbol":"BTC/USDT","side":"buy",)"
                           R"("type":"limit","amount":"0.01","price":"50000.00",)"
                           R"("client_order_id":"c-1"})";
const std::string kTrade =
    R"({"exec_id":"t1","kind":"TRADE","last_amount":"0.004","last_price":"50010.00"})";

struct V2Exchange {
  std::string method;
  std::string path;  // absolute
  std::string body;
  int status;  // what the server must answer
  std::string key = kKey;
};

using V2Operation = std::pair<std::string, std::string>;  // path key, method

// A JSON body, parsed (a parse error fails the test case).
rapidjson::Document parse(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str(), text.size());
  REQUIRE_FALSE(d.HasParseError());
  return d;
}

// The value at a JSON pointer as text: strings bare, null "null", anything
// else as JSON; "<absent>" when there is none.
std::string at(const rapidjson::Value& root, const char* pointer) {
  const rapidjson::Value* v = rapidjson::Pointer(pointer).Get(root);
  if (v == nullptr) return "<absent>";
  if (v->IsString()) return std::string(v->GetString(), v->GetStringLength());
  return to_json(*v);
}

class V2Conformance {
 public:
  explicit V2Conformance(const std::string& text) : validator_(doc_) {
    doc_.Parse(text.c_str(), text.size());
  }
  bool parsed() const { return !doc_.HasParseError() && doc_.IsObject(); }

  // Sends `e`, checks the answer against the document, and returns it.
  Reply check(TestServer& s, const V2Exchange& e);
  // The documented (v2 operation, status) pairs no exchange produced.
  std::vector<std::string> unexercised() const;

 private:
  std::string path_key(std::string path) const;
  const rapidjson::Value& deref(const rapidjson::Value& v) const {
    return v.HasMember("$ref") ? *validator_.resolve(v["$ref"].GetString()) : v;
  }
  void check_body(const rapidjson::Value::Member& media, const Reply& r) const;
  void check_request(const std::string& where, const rapidjson::Value& op,
                     const std::string& body) const;

  rapidjson::Document doc_;
  SchemaValidator validator_;
  std::map<V2Operation, std::set<std::string>> seen_;
};

std::string V2Conformance::path_key(std::string path) const {
  path = path.substr(0, path.find('?'));
  const auto& paths = doc_["paths"];
  if (paths.HasMember(path.c_str())) return path;
  for (const auto& p : paths.GetObject()) {
    const std::string pattern =
        std::regex_replace(p.name.GetString(), std::regex(R"(\{[^}]+\})"), "[^/]+");
    if (std::regex_match(path, std::regex(pattern))) return p.name.GetString();
  }
  return {};
}

Reply V2Conformance::check(TestServer& s, const V2Exchange& e) {
  const std::string where = e.method + " " + e.path.substr(0, 80);
  INFO(where);
  const Reply r = s.send(e.method, e.path, e.body, e.key);
  INFO("status " << r.status << " body " << r.body.substr(0, 300));
  REQUIRE(r.status == e.status);
  const std::string key = path_key(e.path);
  REQUIRE(!key.empty());
  std::string method = e.method;
  for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto& item = doc_["paths"][key.c_str()];
  REQUIRE(item.HasMember(method.c_str()));
  const auto& op = item[method.c_str()];
  const std::string status = std::to_string(r.status);
  REQUIRE(op["responses"].HasMember(status.c_str()));
  const auto& response = deref(op["responses"][status.c_str()]);
  REQUIRE(response.HasMember("content"));
  REQUIRE(response["content"].MemberCount() == 1);
  check_body(*response["content"].MemberBegin(), r);
  if (r.status < 300) check_request(where, op, e.body);
  seen_[{key, method}].insert(status);
  return r;
}

// `media` is the response's one content entry: its media type and schema.
void V2Conformance::check_body(const rapidjson::Value::Member& media, const Reply& r) const {
  CHECK(r.content_type == media.name.GetString());
  if (r.content_type == "text/event-stream") {
    // Server-Sent Events: each data line is one StreamEventV2.
    const auto& schema = doc_["components"]["schemas"]["StreamEventV2"];
    int events = 0;
    for (std::size_t at = r.body.find("data: "); at != std::string::npos;
         at = r.body.find("data: ", at + 1), ++events) {
      const rapidjson::Document event =
          parse(r.body.substr(at + 6, r.body.find('\n', at) - at - 6));
      for (const std::string& p : validator_.validate(schema, event)) FAIL_CHECK(p);
    }
    CHECK(events > 0);
    return;
  }
  REQUIRE(r.content_type == "application/json");
  const rapidjson::Document body = parse(r.body);
  for (const std::string& p : validator_.validate(media.value["schema"], body)) FAIL_CHECK(p);
}

// A request the server accepted must be one the document's requestBody allows.
void V2Conformance::check_request(const std::string& where, const rapidjson::Value& op,
                                  const std::string& body) const {
  if (!op.HasMember("requestBody")) return;
  INFO("request body of " << where << ": " << body);
  const auto& request = op["requestBody"];
  if (body.empty()) {
    CHECK_FALSE(request["required"].GetBool());
    return;
  }
  const rapidjson::Document parsed = parse(body);
  const auto& schema = request["content"]["application/json"]["schema"];
  for (const std::string& p : validator_.validate(schema, parsed)) FAIL_CHECK(p);
}

std::vector<std::string> V2Conformance::unexercised() const {
  std::vector<std::string> missing;
  for (const auto& p : doc_["paths"].GetObject()) {
    if (!std::string_view(p.name.GetString()).starts_with(kV2)) continue;
    for (const auto& m : p.value.GetObject()) {
      const auto seen = seen_.find({p.name.GetString(), m.name.GetString()});
      for (const auto& status : m.value["responses"].GetObject()) {
        if (seen == seen_.end() || !seen->second.contains(status.name.GetString())) {
          missing.push_back(std::string(m.name.GetString()) + " " + p.name.GetString() + " " +
                            status.name.GetString());
        }
      }
    }
  }
  return missing;
}

// One request per v2 operation that reaches storage, answered with `status`.
std::vector<V2Exchange> v2_storage_exchanges(const std::string& order, int status) {
  return {
      {"POST", kV2 + "orders", kPlace, status},
      {"GET", kV2 + "orders", "", status},
      {"GET", kV2 + "orders/" + order, "", status},
      {"GET", kV2 + "orders/" + order + "/events", "", status},
      {"GET", kV2 + "events?after=0", "", status},
      {"GET", kV2 + "events/stream", "", status},
      {"POST", kV2 + "orders/" + order + "/cancel", "", status},
      {"POST", kV2 + "orders/" + order + "/cancel_request", "", status},
      {"POST", kV2 + "orders/" + order + "/replace", R"({"amount":"0.02"})", status},
      {"POST", kV2 + "orders/by-client-id/c-1/cancel", "", status},
      {"POST", kV2 + "orders/" + order + "/executions",
       R"({"exec_id":"t9","kind":"TRADE","last_amount":"0.001","last_price":"50000"})", status},
  };
}

}  // namespace

TEST_CASE("every v2 answer is one the OpenAPI document lists, with a partial fill's exact values",
          "[http][openapi][v2]") {
  TestServer s;
  V2Conformance conformance(std::string(http::openapi_json()));
  REQUIRE(conformance.parsed());
  const std::string unknown = kV2 + "orders/ord-20260303120000-99";

  // Place: 201, then the same client_order_id again: 200 and the same order.
  const Reply placed = conformance.check(s, {"POST", kV2 + "orders", kPlace, 201});
  const rapidjson::Document p = parse(placed.body);
  const std::string id = at(p, "/data/order/order_id");
  const std::string order = kV2 + "orders/" + id;
  CHECK(at(p, "/data/order/status") == "OPEN");
  CHECK(at(p, "/data/order/client_order_id") == "c-1");
  CHECK(at(p, "/data/order/time_in_force") == "GTC");
  CHECK(at(p, "/data/order/expire_at") == "null");
  CHECK(at(p, "/data/order/filled_amount") == "0");
  CHECK(at(p, "/data/order/remaining_amount") == "0.01");
  CHECK(at(p, "/data/order/average_fill_price") == "null");
  CHECK(at(p, "/data/position/status") == "OPEN");
  const Reply replayed_place = conformance.check(s, {"POST", kV2 + "orders", kPlace, 200});
  CHECK(at(parse(replayed_place.body), "/data/order/order_id") == id);

  for (const V2Exchange& e : std::vector<V2Exchange>{
           {"POST", kV2 + "orders",
            R"({"exchange":"binance","symbol":"BTC/USDT","side":"buy","type":"limit",)"
            R"("amount":"0.02","price":"50000.00","client_order_id":"c-1"})",
            409},
           {"POST", kV2 + "orders", "{", 400},
           {"POST", kV2 + "orders", R"({"exchange":"b","symbol":"s","side":"BUY","amount":"0"})",
            400},
           {"POST", kV2 + "orders", kPlace, 401, ""},
           {"POST", kV2 + "orders", kBig, 413},
       }) {
    conformance.check(s, e);
  }
  CHECK(s.post(kV2 + "orders", R"({"exchange":"b","symbol":"s","side":"BUY","amount":"1",)"
                               R"("time_in_force":"gtd"})")
            .body == failure("expire_at must be an RFC 3339 UTC time for GTD orders"));
  CHECK(s.post(kV2 + "orders", R"({"exchange":"b","symbol":"s","side":"BUY","amount":"1",)"
                               R"("expire_at":"2026-12-01T00:00:00Z"})")
            .body == failure("expire_at is only for GTD orders"));

  // A TRADE of 0.004 at 50010.00: PARTIALLY_FILLED, with FIX CumQty, LeavesQty, AvgPx.
  const Reply traded = conformance.check(s, {"POST", order + "/executions", kTrade, 200});
  const rapidjson::Document t = parse(traded.body);
  CHECK(at(t, "/data/replayed") == "false");
  CHECK(at(t, "/data/order/order_id") == id);
  CHECK(at(t, "/data/order/status") == "PARTIALLY_FILLED");
  CHECK(at(t, "/data/order/filled_amount") == "0.004");
  CHECK(at(t, "/data/order/remaining_amount") == "0.006");
  CHECK(at(t, "/data/order/average_fill_price") == "50010.0000000000");
  const std::string filled_order = at(t, "/data/order");

  // The same report again: replayed, and nothing changed.
  const Reply again = conformance.check(s, {"POST", order + "/executions", kTrade, 200});
  const rapidjson::Document a = parse(again.body);
  CHECK(at(a, "/data/replayed") == "true");
  CHECK(at(a, "/data/order") == filled_order);

  // v1 shows the partially filled order as OPEN, and its OPEN filter finds it.
  const Reply v1 = s.get(kApi + "orders/" + id);
  REQUIRE(v1.status == 200);
  CHECK(at(parse(v1.body), "/data/status") == "OPEN");
  const Reply v1_open = s.get(kApi + "orders?status=open");
  REQUIRE(v1_open.status == 200);
  CHECK(at(parse(v1_open.body), "/data/orders/0/order_id") == id);

  // Refused reports change nothing.
  const Reply overfill = conformance.check(
      s, {"POST", order + "/executions",
          R"({"exec_id":"t2","kind":"TRADE","last_amount":"0.007","last_price":"50000.00"})", 409});
  CHECK(overfill.body == failure("fill exceeds order amount"));
  const Reply reused = conformance.check(
      s, {"POST", order + "/executions",
          R"({"exec_id":"t1","kind":"TRADE","last_amount":"0.001","last_price":"50010.00"})", 409});
  CHECK(reused.body == failure("exec_id already used with different content"));
  for (const V2Exchange& e : std::vector<V2Exchange>{
           {"POST", unknown + "/executions", kTrade, 404},
           {"POST", order + "/executions", "{", 400},
           {"POST", order + "/executions", R"({"exec_id":"t3","kind":"trade"})", 400},
           {"POST", order + "/executions", R"({"exec_id":"t3","kind":"TRADE"})", 400},
           {"POST", order + "/executions", kTrade, 401, ""},
           {"POST", order + "/executions", kBig, 413},
       }) {
    conformance.check(s, e);
  }
  CHECK(s.post(order + "/executions", R"({"exec_id":"t3","kind":"TRADE"})").body ==
        failure("last_amount must be a decimal number greater than zero"));
  CHECK(s.post(order + "/executions", R"({"exec_id":"t3","kind":"CANCELED","last_amount":"1"})")
            .body == failure("last_amount and last_price are only for TRADE reports"));

  // Get: the order as the trade left it.
  const Reply got = conformance.check(s, {"GET", order, "", 200});
  CHECK(at(parse(got.body), "/data/order") == filled_order);
  conformance.check(s, {"GET", unknown, "", 404});
  conformance.check(s, {"GET", order, "", 401, ""});

  // List: newest first, filtered by v2 statuses.
  const Reply listed =
      conformance.check(s, {"GET", kV2 + "orders?status=partially_filled,FILLED", "", 200});
  const rapidjson::Document l = parse(listed.body);
  CHECK(at(l, "/data/count") == "1");
  CHECK(at(l, "/data/orders/0") == filled_order);
  CHECK(at(l, "/data/next_cursor") == "null");
  conformance.check(s, {"GET", kV2 + "orders", "", 200});
  CHECK(at(parse(conformance.check(s, {"GET", kV2 + "orders?limit=1", "", 200}).body),
           "/data/next_cursor") == id);
  for (const V2Exchange& e : std::vector<V2Exchange>{
           {"GET", kV2 + "orders?status=PENDING", "", 400},
           {"GET", kV2 + "orders?status=OPEN,", "", 400},
           {"GET", kV2 + "orders?limit=x", "", 400},
           {"GET", kV2 + "orders?limit=0", "", 400},
           {"GET", kV2 + "orders", "", 401, ""},
       }) {
    conformance.check(s, e);
  }

  // Events: the true statuses.
  const Reply events = conformance.check(s, {"GET", order + "/events", "", 200});
  const rapidjson::Document ev = parse(events.body);
  CHECK(at(ev, "/data/count") == "2");
  CHECK(at(ev, "/data/events/0/from") == "null");
  CHECK(at(ev, "/data/events/0/reason") == "place");
  CHECK(at(ev, "/data/events/1/from") == "OPEN");
  CHECK(at(ev, "/data/events/1/to") == "PARTIALLY_FILLED");
  CHECK(at(ev, "/data/events/1/reason") == "trade");
  conformance.check(s, {"GET", unknown + "/events", "", 404});
  conformance.check(s, {"GET", order + "/events", "", 401, ""});

  // A cancel request (issue 15): PENDING_CANCEL, asked again: the same;
  // the venue refuses it: back to PARTIALLY_FILLED.
  for (const V2Exchange& e : std::vector<V2Exchange>{
           {"POST", order + "/cancel_request", "[]", 400},
           {"POST", order + "/cancel_request", "", 401, ""},
           {"POST", order + "/cancel_request", kBig, 413},
           {"POST", unknown + "/cancel_request", "", 404},
       }) {
    conformance.check(s, e);
  }
  const Reply requested = conformance.check(s, {"POST", order + "/cancel_request", "", 200});
  CHECK(at(parse(requested.body), "/data/order/status") == "PENDING_CANCEL");
  CHECK(at(parse(requested.body), "/data/order/pending_since") == "2026-03-03T12:00:00Z");
  const Reply asked_again = conformance.check(s, {"POST", order + "/cancel_request", "{}", 200});
  CHECK(asked_again.body == requested.body);
  CHECK(s.get("orders/" + id).body.find(R"("status":"OPEN")") != std::string::npos);  // v1
  const Reply in_flight = conformance.check(s, {"GET", kV2 + "orders?older_than=0s", "", 400});
  CHECK(in_flight.body == failure("invalid older_than"));
  s.clock().advance(60);
  const Reply in_flight_listed =
      conformance.check(s, {"GET", kV2 + "orders?older_than=1m&status=PENDING_CANCEL", "", 200});
  CHECK(at(parse(in_flight_listed.body), "/data/count") == "1");
  CHECK(at(parse(in_flight_listed.body), "/data/orders/0/order_id") == id);
  const Reply resumed = conformance.check(
      s, {"POST", order + "/executions", R"({"exec_id":"cr1","kind":"CANCEL_REJECTED"})", 200});
  CHECK(at(parse(resumed.body), "/data/order/status") == "PARTIALLY_FILLED");
  CHECK(at(parse(resumed.body), "/data/order/pending_since") == "null");

  // Cancel by id: CANCELED, nothing left to fill; the fills stay.
  for (const V2Exchange& e : std::vector<V2Exchange>{
           {"POST", order + "/cancel", "[]", 400},
           {"POST", order + "/cancel", "", 401, ""},
           {"POST", order + "/cancel", kBig, 413},
           {"POST", unknown + "/cancel", "", 404},
       }) {
    conformance.check(s, e);
  }
  const Reply canceled = conformance.check(s, {"POST", order + "/cancel", "", 200});
  const rapidjson::Document c = parse(canceled.body);
  CHECK(at(c, "/data/order/status") == "CANCELED");
  CHECK(at(c, "/data/order/filled_amount") == "0.004");
  CHECK(at(c, "/data/order/remaining_amount") == "0");
  const Reply not_open = conformance.check(s, {"POST", order + "/cancel", "{}", 409});
  CHECK(not_open.body == failure("order is not open"));
  CHECK(conformance.check(s, {"POST", order + "/cancel_request", "", 409}).body ==
        failure("order is not open"));

  // A trade the venue reports after the cancel counts; the status stays.
  const Reply late = conformance.check(
      s, {"POST", order + "/executions",
          R"({"exec_id":"t4","kind":"TRADE","last_amount":"0.001","last_price":50020.00,)"
          R"("at":"2026-03-03T12:00:00Z"})",
          200});
  CHECK(at(parse(late.body), "/data/order/status") == "CANCELED");
  CHECK(at(parse(late.body), "/data/order/filled_amount") == "0.005");
  // A report that does not apply to the order's status.
  const Reply rejected = conformance.check(
      s, {"POST", order + "/executions", R"({"exec_id":"r1","kind":"REJECTED"})", 409});
  CHECK(rejected.body == failure("execution report does not apply to the order"));

  // Cancel by client_order_id.
  conformance.check(
      s, {"POST", kV2 + "orders",
          R"({"exchange":"binance","symbol":"ETH/USDT","side":"SELL","amount":1.5,)"
          R"("client_order_id":"c-2","time_in_force":"gtd","expire_at":"2026-12-01T00:00:00Z"})",
          201});
  const std::string by_client = kV2 + "orders/by-client-id/c-2/cancel";
  for (const V2Exchange& e : std::vector<V2Exchange>{
           {"POST", by_client, "[]", 400},
           {"POST", by_client, "", 401, ""},
           {"POST", by_client, kBig, 413},
           {"POST", kV2 + "orders/by-client-id/nope/cancel", "", 404},
       }) {
    conformance.check(s, e);
  }
  const Reply canceled_by_client = conformance.check(s, {"POST", by_client, "{}", 200});
  const rapidjson::Document cc = parse(canceled_by_client.body);
  CHECK(at(cc, "/data/order/status") == "CANCELED");
  CHECK(at(cc, "/data/order/client_order_id") == "c-2");
  CHECK(at(cc, "/data/order/time_in_force") == "GTD");
  CHECK(at(cc, "/data/order/expire_at") == "2026-12-01T00:00:00Z");
  CHECK(at(cc, "/data/order/average_fill_price") == "null");
  conformance.check(s, {"POST", by_client, "", 409});

  // Replace (issue 15): a fresh order, a partial fill, then amend it to 0.02.
  const Reply to_amend = conformance.check(
      s, {"POST", kV2 + "orders",
          R"({"exchange":"binance","symbol":"BTC/USDT","side":"BUY","type":"LIMIT",)"
          R"("amount":"0.01","price":"50000.00"})",
          201});
  const std::string amend_id = at(parse(to_amend.body), "/data/order/order_id");
  const std::string amend = kV2 + "orders/" + amend_id;
  conformance.check(s, {"POST", amend + "/executions",
                        R"({"exec_id":"a1","kind":"TRADE","last_amount":"0.004",)"
                        R"("last_price":"50010.00"})",
                        200});
  for (const V2Exchange& e : std::vector<V2Exchange>{
           {"POST", amend + "/replace", "[]", 400},
           {"POST", amend + "/replace", R"({"amount":"1e3"})", 400},
           {"POST", amend + "/replace", R"({"amount":"0"})", 400},
           {"POST", amend + "/replace", "{}", 401, ""},
           {"POST", amend + "/replace", kBig, 413},
           {"POST", unknown + "/replace", "{}", 404},
       }) {
    conformance.check(s, e);
  }
  const Reply raced = conformance.check(
      s, {"POST", amend + "/replace", R"({"amount":"0.02","expect_filled_amount":"0"})", 409});
  CHECK(raced.body == failure("filled amount changed"));
  const Reply below =
      conformance.check(s, {"POST", amend + "/replace", R"({"amount":"0.003"})", 409});
  CHECK(below.body == failure("amount below filled amount"));
  const Reply amended =
      conformance.check(s, {"POST", amend + "/replace",
                            R"({"amount":"0.02","price":50001.5,"expect_filled_amount":"0.0040",)"
                            R"("new_client_order_id":"amend-2"})",
                            200});
  const rapidjson::Document am = parse(amended.body);
  const std::string new_id = at(am, "/data/order/order_id");
  CHECK(at(am, "/data/replaced/status") == "REPLACED");
  CHECK(at(am, "/data/replaced/replaced_by") == new_id);
  CHECK(at(am, "/data/order/replaces") == amend_id);
  CHECK(at(am, "/data/order/status") == "PARTIALLY_FILLED");
  CHECK(at(am, "/data/order/amount") == "0.02");
  CHECK(at(am, "/data/order/price") == "50001.5");
  CHECK(at(am, "/data/order/filled_amount") == "0.004");
  CHECK(at(am, "/data/order/remaining_amount") == "0.016");
  CHECK(at(am, "/data/order/client_order_id") == "amend-2");
  CHECK(at(am, "/data/position/size") == "0.004");
  CHECK(conformance.check(s, {"POST", amend + "/replace", "{}", 409}).body ==
        failure("order is not open"));
  // A fill reported for the replaced order lands on the order that replaced it.
  const Reply followed = conformance.check(
      s, {"POST", amend + "/executions",
          R"({"exec_id":"a2","kind":"TRADE","last_amount":"0.001","last_price":"50000"})", 200});
  CHECK(at(parse(followed.body), "/data/order/order_id") == new_id);
  CHECK(at(parse(followed.body), "/data/order/filled_amount") == "0.005");
  CHECK(s.get("orders/" + amend_id).body.find(R"("status":"CLOSED")") != std::string::npos);

  // A pending replace (issue 15): asked, a trade meanwhile, the venue's REPLACED.
  const Reply asked = conformance.check(s, {"POST", kV2 + "orders/" + new_id + "/replace",
                                            R"({"amount":"0.03","pending":true})", 200});
  const rapidjson::Document ask = parse(asked.body);
  const std::string next_id = at(ask, "/data/order/order_id");
  const std::string next = kV2 + "orders/" + next_id;
  CHECK(at(ask, "/data/replaced/status") == "PENDING_REPLACE");
  CHECK(at(ask, "/data/order/status") == "PENDING_NEW");
  CHECK(at(ask, "/data/position/status") == "CLOSED");
  CHECK(conformance
            .check(s, {"POST", kV2 + "orders/" + new_id + "/replace", R"({"pending":"yes"})", 400})
            .body == failure("invalid request payload"));
  CHECK(conformance.check(s, {"POST", next + "/cancel_request", "", 409}).body ==
        failure("order is not open"));
  const Reply waiting = conformance.check(
      s, {"POST", next + "/executions",
          R"({"exec_id":"a3","kind":"TRADE","last_amount":"0.001","last_price":"50000"})", 200});
  CHECK(at(parse(waiting.body), "/data/order/order_id") == new_id);
  CHECK(at(parse(waiting.body), "/data/order/status") == "PENDING_REPLACE");
  CHECK(at(parse(waiting.body), "/data/order/filled_amount") == "0.006");
  s.clock().advance(5);
  const Reply replacing =
      conformance.check(s, {"GET", kV2 + "orders?older_than=5s&status=PENDING_REPLACE", "", 200});
  CHECK(at(parse(replacing.body), "/data/count") == "1");
  CHECK(at(parse(replacing.body), "/data/orders/0/order_id") == new_id);
  const Reply confirmed = conformance.check(
      s, {"POST", next + "/executions", R"({"exec_id":"a4","kind":"REPLACED"})", 200});
  CHECK(at(parse(confirmed.body), "/data/order/status") == "REPLACED");
  const rapidjson::Document working = parse(conformance.check(s, {"GET", next, "", 200}).body);
  CHECK(at(working, "/data/order/status") == "PARTIALLY_FILLED");
  CHECK(at(working, "/data/order/filled_amount") == "0.006");
  CHECK(at(working, "/data/order/remaining_amount") == "0.024");
  CHECK(s.get("orders/" + next_id).body.find(R"("status":"OPEN")") != std::string::npos);

  // The account's stream (issue 16): every change above, numbered, with the
  // order as it was then; pages resume after next_after.
  for (const V2Exchange& e : std::vector<V2Exchange>{
           {"GET", kV2 + "events?after=-1", "", 400},
           {"GET", kV2 + "events?after=x", "", 400},
           {"GET", kV2 + "events?limit=0", "", 400},
           {"GET", kV2 + "events?wait=31", "", 400},
           {"GET", kV2 + "events?after=1&after=2", "", 400},
           {"GET", kV2 + "events?after=1&after=1", "", 400},
           {"GET", kV2 + "events?after=1;after=2", "", 400},
           {"GET", kV2 + "events?after=abc=5", "", 400},
           {"GET", kV2 + "events?limit=5000=1", "", 400},
           {"GET", kV2 + "events/stream?after=x", "", 400},
           {"GET", kV2 + "events/stream", "", 401, ""},
           {"GET", kV2 + "events", "", 401, ""},
       }) {
    conformance.check(s, e);
  }
  CHECK(conformance.check(s, {"GET", kV2 + "events?wait=1.5", "", 400}).body ==
        failure("wait must be between 0 and 30 seconds"));
  CHECK(conformance.check(s, {"GET", kV2 + "events?limit=1;limit=3", "", 400}).body ==
        failure("limit must be between 1 and 1000"));
  CHECK(conformance.check(s, {"GET", kV2 + "events?wait=0&wait=0", "", 400}).body ==
        failure("repeated query parameter"));
  const rapidjson::Document first =
      parse(conformance.check(s, {"GET", kV2 + "events?limit=2", "", 200}).body);
  CHECK(at(first, "/data/count") == "2");
  CHECK(at(first, "/data/events/0/seq") == "1");
  CHECK(at(first, "/data/events/0/from") == "null");
  CHECK(at(first, "/data/events/0/reason") == "place");
  CHECK(at(first, "/data/events/0/fills_recorded") == "true");
  CHECK(at(first, "/data/events/0/order/status") == "OPEN");
  CHECK(at(first, "/data/events/0/order/filled_amount") == "0");
  CHECK(at(first, "/data/next_after") == "2");
  const rapidjson::Document second =
      parse(conformance.check(s, {"GET", kV2 + "events?after=2&limit=1", "", 200}).body);
  CHECK(at(second, "/data/events/0/seq") == "3");
  CHECK(at(second, "/data/next_after") == "3");
  // As Server-Sent Events: without a streaming edge (this server), the
  // events so far and a retry hint; Last-Event-ID wins over ?after=.
  const Reply sse = conformance.check(s, {"GET", kV2 + "events/stream?after=1", "", 200});
  CHECK(sse.body.rfind("retry: 1000\n\nid: 2\ndata: {\"seq\":2,", 0) == 0);
  CHECK(sse.body.find("\n\nid: 3\ndata: {\"seq\":3,") != std::string::npos);
  // Past the end, with a wait: nothing commits, so the answer is empty after it.
  const rapidjson::Document all =
      parse(conformance.check(s, {"GET", kV2 + "events?limit=1000", "", 200}).body);
  const std::string last = at(all, "/data/next_after");
  const rapidjson::Document none =
      parse(conformance.check(s, {"GET", kV2 + "events?after=" + last + "&wait=1", "", 200}).body);
  CHECK(at(none, "/data/count") == "0");
  CHECK(at(none, "/data/next_after") == last);
  // Retention: keeping the newest 2, a cursor before them is 410 with the
  // oldest kept, on both forms; from right before it, reading goes on.
  REQUIRE(s.orders().prune_events(2).ok());
  const std::int64_t oldest = std::stoll(last) - 1;
  const std::string gone = R"({"status":"error","error":"events after 0 are no longer kept",)"
                           R"("oldest_seq":)" +
                           std::to_string(oldest) + "}";
  CHECK(conformance.check(s, {"GET", kV2 + "events", "", 410}).body == gone);
  CHECK(conformance.check(s, {"GET", kV2 + "events/stream", "", 410}).body == gone);
  const rapidjson::Document kept = parse(
      conformance.check(s, {"GET", kV2 + "events?after=" + std::to_string(oldest - 1), "", 200})
          .body);
  CHECK(at(kept, "/data/count") == "2");
  CHECK(at(kept, "/data/events/0/seq") == std::to_string(oldest));

  // Storage failures.
  s.repository().fault = Fault::Unavailable;
  for (const V2Exchange& e : v2_storage_exchanges(id, 503)) conformance.check(s, e);
  s.repository().fault = Fault::Storage;
  for (const V2Exchange& e : v2_storage_exchanges(id, 500)) conformance.check(s, e);

  for (const std::string& missing : conformance.unexercised()) {
    FAIL_CHECK("documented but never answered: " << missing);
  }
}

TEST_CASE("a v2 path answers 405 with an Allow header for a method it does not take",
          "[http][v2]") {
  TestServer s;

  const Reply orders = s.send("DELETE", kV2 + "orders", "");
  const Reply order = s.send("POST", kV2 + "orders/ord-20260303120000-1", "");
  const Reply cancel = s.send("GET", kV2 + "orders/ord-20260303120000-1/cancel", "");

  CHECK(orders.status == 405);
  CHECK(orders.allow == "GET, POST");
  CHECK(orders.body == failure("method not allowed"));
  CHECK(order.status == 405);
  CHECK(order.allow == "GET");
  CHECK(cancel.status == 405);
  CHECK(cancel.allow == "POST");
}

TEST_CASE("a v2 list query that repeats a parameter is refused, not read as one of its values",
          "[http][v2]") {
  TestServer s;
  // (cpp-httplib collapses a pair repeated with the same value: no ambiguity.)
  for (const char* query : {"?status=OPEN&status=FILLED", "?limit=1&limit=2", "?symbol=a&symbol=b",
                            "?cursor=x&cursor=y"}) {
    INFO(query);
    const Reply r = s.get(kV2 + "orders" + query);
    CHECK(r.status == 400);
    CHECK(r.body == R"({"status":"error","error":"repeated query parameter"})");
  }
  CHECK(s.get(kV2 + "orders?status=OPEN,FILLED").status == 200);
}
