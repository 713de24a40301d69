// The OpenAPI document against the real adapter. Each request below goes to an
// in-process server; its answer must be one the document lists for the
// operation: the status among its responses, the Content-Type its content
// names, the body valid against that schema. Every documented (operation,
// status) must come up at least once, so the document can neither miss an
// answer the server gives nor promise one it never gives.
#include "orderstate/http/openapi.hpp"

#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <map>
#include <regex>
#include <set>
#include <string_view>

#include "json_schema.hpp"
#include "test_server.hpp"

using namespace orderstate;
using namespace orderstate::test;

namespace {

const std::string kT = "/api/v1/trading/";
const std::string kBig = R"({"pad":")" + std::string(70 * 1024, 'x') + "\"}";
const std::string kPlace = R"({"exchange":"binance","symbol":"BTC/USDT","side":"buy",)"
                           R"("type":"limit","amount":"0.01","price":50000.00})";

struct Exchange {
  std::string method;
  std::string path;  // absolute
  std::string body;
  int status;  // what the server must answer
  std::string key = kKey;
};

using Operation = std::pair<std::string, std::string>;  // path key, method

class Conformance {
 public:
  explicit Conformance(const std::string& text) : validator_(doc_) {
    doc_.Parse(text.c_str(), text.size());
  }
  bool parsed() const { return !doc_.HasParseError() && doc_.IsObject(); }
  const rapidjson::Document& doc() const { return doc_; }

  void check(TestServer& s, const Exchange& e);
  // The documented (operation, status) pairs no exchange produced.
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
  std::map<Operation, std::set<std::string>> seen_;
};

std::string Conformance::path_key(std::string path) const {
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

void Conformance::check(TestServer& s, const Exchange& e) {
  const std::string where = e.method + " " + e.path.substr(0, 80);
  INFO(where);
  const Reply r = s.send(e.method, e.path, e.body, e.key);
  REQUIRE(r.status == e.status);
  const std::string key = path_key(e.path);
  REQUIRE(!key.empty());
  std::string method = e.method;
  for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto& item = doc_["paths"][key.c_str()];
  REQUIRE(item.HasMember(method.c_str()));
  const auto& op = item[method.c_str()];
  const std::string status = std::to_string(r.status);
  INFO("status " << status << " body " << r.body.substr(0, 300));
  REQUIRE(op["responses"].HasMember(status.c_str()));
  const auto& response = deref(op["responses"][status.c_str()]);
  REQUIRE(response.HasMember("content"));
  REQUIRE(response["content"].MemberCount() == 1);
  check_body(*response["content"].MemberBegin(), r);
  if (r.status < 300) check_request(where, op, e.body);
  seen_[{key, method}].insert(status);
}

// `media` is the response's one content entry: its media type and schema.
void Conformance::check_body(const rapidjson::Value::Member& media, const Reply& r) const {
  CHECK(r.content_type == media.name.GetString());
  const auto& schema = media.value["schema"];
  rapidjson::Document body;
  if (r.content_type == "application/json") {
    body.Parse(r.body.c_str(), r.body.size());
    REQUIRE_FALSE(body.HasParseError());
  } else {
    body.SetString(r.body.c_str(), static_cast<rapidjson::SizeType>(r.body.size()),
                   body.GetAllocator());
  }
  const auto problems = validator_.validate(schema, body);
  for (const std::string& p : problems) FAIL_CHECK(p);
}

// A request the server accepted must be one the document's requestBody allows.
void Conformance::check_request(const std::string& where, const rapidjson::Value& op,
                                const std::string& body) const {
  if (!op.HasMember("requestBody")) return;
  INFO("request body of " << where << ": " << body);
  const auto& request = op["requestBody"];
  if (body.empty()) {
    CHECK_FALSE(request["required"].GetBool());
    return;
  }
  rapidjson::Document parsed;
  parsed.Parse(body.c_str(), body.size());
  REQUIRE_FALSE(parsed.HasParseError());
  const auto& schema = request["content"]["application/json"]["schema"];
  for (const std::string& p : validator_.validate(schema, parsed)) FAIL_CHECK(p);
}

std::vector<std::string> Conformance::unexercised() const {
  std::vector<std::string> missing;
  for (const auto& p : doc_["paths"].GetObject()) {
    // The /api/v2 operations are exercised by v2_contract_test.cpp.
    if (std::string_view(p.name.GetString()).starts_with("/api/v2/")) continue;
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

// Requests and the answers they must get, in order (each may depend on the
// state the ones before left). acct-1 starts with order/position 1 (BTC/USDT).
std::vector<Exchange> client_exchanges() {
  const std::string o1 = kT + "orders/ord-20260303120000-1";
  return {
      {"POST", kT + "place_order", kPlace, 201},  // 2
      {"POST", kT + "place_order",
       R"({"exchange":"binance","symbol":"ETH/USDT","side":"SELL",)"
       R"("amount":1.5,"client_order_id":"c-1"})",
       201},  // 3
      {"POST", kT + "place_order",
       R"({"exchange":"binance","symbol":"ETH/USDT","side":"SELL",)"
       R"("amount":1.5,"client_order_id":"c-1"})",
       200},
      {"POST", kT + "place_order",
       R"({"exchange":"binance","symbol":"ETH/USDT","side":"SELL",)"
       R"("amount":2.5,"client_order_id":"c-1"})",
       409},
      {"POST", kT + "place_order", "{", 400},
      {"POST", kT + "place_order", R"({"exchange":"b","symbol":"s","side":"BUY","amount":"0"})",
       400},
      {"POST", kT + "place_order", kPlace, 401, ""},
      {"POST", kT + "place_order", kBig, 413},
      {"POST", kT + "cancel_order", R"({"order_id":"ord-20260303120000-2"})", 200},
      {"POST", kT + "cancel_order", R"({"order_id":"ord-20260303120000-2"})", 409},
      {"POST", kT + "cancel_order", R"({"order_id":"ord-20260303120000-99"})", 404},
      {"POST", kT + "cancel_order", R"({"order_id":2})", 400},
      {"POST", kT + "cancel_order", R"({"order_id":"ord-20260303120000-2"})", 401, "nope"},
      {"POST", kT + "cancel_order", kBig, 413},
      {"POST", kT + "cancel_all", R"({"symbol":"eth/usdt"})", 200},  // cancels 3
      {"POST", kT + "liquidate", R"({"position_id":"pos-20260303120000-1"})", 200},
      {"POST", kT + "liquidate", R"({"position_id":"pos-20260303120000-1"})", 404},
      {"POST", kT + "liquidate", R"({"symbol":"DOGE/USDT"})", 404},
      {"POST", kT + "liquidate", "{}", 400},
      {"POST", kT + "liquidate", "{}", 401, ""},
      {"POST", kT + "liquidate", kBig, 413},
      {"POST", kT + "cancel_all", "", 200},  // nothing left open
      {"POST", kT + "cancel_all", "[]", 400},
      {"POST", kT + "cancel_all", "", 401, ""},
      {"POST", kT + "cancel_all", kBig, 413},
      {"POST", kT + "place_order", kPlace, 201},  // 4
      {"POST", kT + "liquidate_all", "", 200},    // liquidates 4
      {"POST", kT + "liquidate_all", R"({"symbol":7})", 400},
      {"POST", kT + "liquidate_all", "", 401, ""},
      {"POST", kT + "liquidate_all", kBig, 413},
      {"GET", kT + "orders", "", 200},
      {"GET", kT + "orders?limit=2&status=closed", "", 200},
      {"GET", kT + "orders?limit=1", "", 200},  // a next_cursor
      {"GET", kT + "orders?status=PENDING", "", 400},
      {"GET", kT + "orders", "", 401, ""},
      {"GET", o1, "", 200},
      {"GET", kT + "orders/ord-20260303120000-99", "", 404},
      {"GET", o1, "", 401, ""},
      {"GET", o1 + "/events", "", 200},
      {"GET", kT + "orders/nope/events", "", 404},
      {"GET", o1 + "/events", "", 401, ""},
      {"GET", kT + "positions", "", 200},
      {"GET", kT + "positions?status=open", "", 200},
      {"GET", kT + "positions?status=FILLED", "", 400},
      {"GET", kT + "positions", "", 401, ""},
      {"GET", kT + "positions/snapshot", "", 200},
      {"GET", kT + "positions/snapshot", "", 401, ""},
      {"GET", kT + "positions/pos-20260303120000-1", "", 200},
      {"GET", kT + "positions/pos-20260303120000-99", "", 404},
      {"GET", kT + "positions/pos-20260303120000-1", "", 401, ""},
      {"GET", "/healthz", "", 200, ""},
      {"GET", "/metrics", "", 200, ""},
      {"GET", "/api/v1/openapi.json", "", 200, ""},
  };
}

// One request per operation that reaches storage, answered with `status`.
std::vector<Exchange> storage_exchanges(int status) {
  std::vector<Exchange> out = {
      {"POST", kT + "place_order", kPlace, status},
      {"POST", kT + "cancel_order", R"({"order_id":"ord-20260303120000-1"})", status},
      {"POST", kT + "cancel_all", "", status},
      {"POST", kT + "liquidate", R"({"symbol":"BTC/USDT"})", status},
      {"POST", kT + "liquidate_all", "", status},
      {"GET", kT + "orders", "", status},
      {"GET", kT + "orders/ord-20260303120000-1", "", status},
      {"GET", kT + "orders/ord-20260303120000-1/events", "", status},
      {"GET", kT + "positions", "", status},
      {"GET", kT + "positions/snapshot", "", status},
      {"GET", kT + "positions/pos-20260303120000-1", "", status},
  };
  if (status == 503) out.push_back({"GET", "/healthz", "", 503, ""});
  return out;
}

}  // namespace

TEST_CASE("every answer of every endpoint is one the OpenAPI document lists", "[http][openapi]") {
  TestServer s({}, [](http::RouteOptions& o) { o.metrics = std::make_shared<http::Metrics>(); });
  place(s.orders(), "acct-1");
  const Reply served = s.get("/api/v1/openapi.json", "");
  REQUIRE(served.status == 200);
  CHECK(served.body == http::openapi_json());
  Conformance conformance(served.body);
  REQUIRE(conformance.parsed());

  for (const Exchange& e : client_exchanges()) conformance.check(s, e);
  s.repository().fault = Fault::Unavailable;
  for (const Exchange& e : storage_exchanges(503)) conformance.check(s, e);
  s.repository().fault = Fault::Storage;
  for (const Exchange& e : storage_exchanges(500)) conformance.check(s, e);
  // The unauthenticated endpoints where the application mounts none of them.
  TestServer bare({}, [](http::RouteOptions& o) {
    o.health = nullptr;
    o.openapi_path.clear();
  });
  for (const char* path : {"/healthz", "/metrics", "/api/v1/openapi.json"}) {
    conformance.check(bare, {"GET", path, "", 404, ""});
  }

  for (const std::string& missing : conformance.unexercised()) {
    FAIL_CHECK("documented but never answered: " << missing);
  }
}

TEST_CASE("the OpenAPI document is served without a key and names its version", "[http][openapi]") {
  TestServer s;
  const Reply r = s.get("/api/v1/openapi.json", "");

  CHECK(r.status == 200);
  CHECK(r.content_type == "application/json");
  rapidjson::Document doc;
  doc.Parse(r.body.c_str(), r.body.size());
  REQUIRE_FALSE(doc.HasParseError());
  CHECK(std::string(doc["openapi"].GetString()) == "3.0.3");
  CHECK(std::string(doc["info"]["version"].GetString()) == ORDERSTATE_VERSION);
  CHECK(std::string(doc["components"]["securitySchemes"]["bearerAuth"]["scheme"].GetString()) ==
        "bearer");
  CHECK(doc["components"]["schemas"]["OrderRecord"]["required"].Size() == 11);
}

TEST_CASE("the OpenAPI document follows a custom prefix and can be turned off", "[http][openapi]") {
  TestServer moved({}, [](http::RouteOptions& o) {
    o.prefix = "/v2";
    o.openapi_path = "/v2/openapi.json";
  });
  TestServer off({}, [](http::RouteOptions& o) { o.openapi_path.clear(); });

  const Reply r = moved.get("/v2/openapi.json", "");

  CHECK(r.status == 200);
  CHECK(r.body.find("\"/v2/cancel_order\"") != std::string::npos);
  CHECK(r.body.find("\"/api/v1/trading/") == std::string::npos);
  CHECK(off.get("/api/v1/openapi.json", "").status == 404);
}
