// A catalog of hostile requests, sent over raw TCP to the real binary, one
// row per request with its expected outcome. Every one is refused with a 4xx
// JSON error (or the connection is closed); the server stays up; no order
// changes. Rows that aim at a pre-placed OPEN order carry its real id, so a
// server fooled by the framing would cancel it and the final check would see.
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "api.hpp"
#include "raw_http.hpp"

using namespace orderstate::system_test;
using namespace std::string_literals;

namespace {

// Expected outcome: an exact status, any 4xx JSON error, or that or a close.
constexpr int kAny4xx = 0;
constexpr int kAny4xxOrClosed = -1;

struct Row {
  std::string name;
  std::string request;
  int expect;
  std::string body = {};  // when not empty, the exact body expected
  // A known defect outside this test's reach: a mismatch warns, not fails.
  std::string known_issue = {};
};

const std::string kAuth = "Authorization: Bearer " + kKey + "\r\n";

// A request with a Content-Length body; `headers` end in CRLF each.
std::string with_body(const std::string& method_path, const std::string& body,
                      const std::string& headers = "Content-Type: application/json\r\n") {
  return method_path + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n" + kAuth + headers +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}
std::string post(const std::string& route, const std::string& body) {
  return with_body("POST " + kApi + route, body);
}
std::string get(const std::string& target, const std::string& headers = kAuth) {
  return "GET " + target + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n" + headers + "\r\n";
}
std::string cancel_of(const std::string& order_id) {
  return R"({"order_id":")" + order_id + "\"}";
}
std::string place_with(const std::string& field, const std::string& json_value) {
  std::string body = kPlaceBody;
  const auto at = body.find("\"" + field + "\":");
  const auto end = body.find_first_of(",}", body.find(':', at) + 1);
  return body.replace(at, end - at, "\"" + field + "\":" + json_value);
}
// Raw framing for POST cancel_order: the header lines and body as given.
std::string framed(const std::string& headers, const std::string& body) {
  return "POST " + kApi + "cancel_order HTTP/1.1\r\nHost: t\r\nConnection: close\r\n" + kAuth +
         "Content-Type: application/json\r\n" + headers + "\r\n" + body;
}
std::string nested_objects(int depth) {
  std::string s;
  for (int i = 0; i < depth; ++i) s += "{\"a\":";
  return s;
}
std::string chunk(const std::string& data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + data + "\r\n";
}

std::vector<Row> request_line_rows() {
  return {
      {"garbage request line", "GARBAGE\r\n\r\n", 400},
      {"method only", "GET\r\n\r\n", 400},
      {"HTTP/0.9 request without version", "GET /healthz\r\n\r\n", 505},
      {"unsupported HTTP version 9.9", "GET /healthz HTTP/9.9\r\n\r\n", 505},
      {"extra token after the version", "GET /healthz HTTP/1.1 x\r\n\r\n", 400},
      {"empty request line", "\r\n\r\n", 400},
      {"lower-case method", "get /healthz HTTP/1.1\r\n\r\n", 400},
      {"unknown method", "BREW " + kApi + "orders HTTP/1.1\r\n" + kAuth + "\r\n", 400},
      {"NUL byte in the path", get(kApi + "orders/ord-1\0x"s), 400},
      {"percent-encoded NUL in an order id", get(kApi + "orders/ord-20260303120000-1%00"), 404},
      // RFC 9112 §3.2.1: origin-form starts with "/".
      {"path without a leading slash", get("api/v1/trading/orders"), 400},
      {"absolute-form target", get("http://evil.example" + kApi + "orders"), 404},
      {"request target over 8 KiB", get("/" + std::string(10000, 'a')), 414},
      {"dot-dot path traversal", get(kApi + "../../../../etc/passwd"), 404},
      {"HTTP/2 connection preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400},
      {"TLS ClientHello on the plain port", "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03"s,
       kAny4xxOrClosed},
      {"binary junk", std::string(2048, '\xff'), kAny4xxOrClosed},
  };
}

std::vector<Row> header_rows(const std::string& open_id) {
  std::string many;
  for (int i = 0; i < 10000; ++i) many += "X-H" + std::to_string(i) + ": v\r\n";
  return {
      // httplib 0.11 skips a header line it cannot parse: the request is served without it.
      {"header line without a colon", get("/healthz", "NoColonHere\r\n"), 400},
      {"100 KiB header value", get("/healthz", "X-Big: " + std::string(100 * 1024, 'a') + "\r\n"),
       kAny4xxOrClosed},
      {"10 000 headers (over 64 KiB)", get("/healthz", many), kAny4xxOrClosed},
      {"NUL byte inside the bearer key",
       get(kApi + "orders", "Authorization: Bearer " + kKey + "\0x\r\n"s), 400},
      {"100 KiB bearer key",
       get(kApi + "orders", "Authorization: Bearer " + std::string(100 * 1024, 'k') + "\r\n"),
       kAny4xxOrClosed},
      {"SQL in the bearer key", get(kApi + "orders", "Authorization: Bearer ' OR 1=1 --\r\n"), 401},
      {"cancel without a key",
       "POST " + kApi + "cancel_order HTTP/1.1\r\nHost: t\r\nContent-Length: " +
           std::to_string(cancel_of(open_id).size()) + "\r\n\r\n" + cancel_of(open_id),
       401},
  };
}

std::vector<Row> framing_rows(const std::string& open_id) {
  const std::string body = cancel_of(open_id);
  const std::string len = std::to_string(body.size());
  return {
      {"negative Content-Length", framed("Content-Length: -1\r\n", body), kAny4xx},
      {"non-numeric Content-Length", framed("Content-Length: abc\r\n", body), 400},
      {"Content-Length of 20 digits", framed("Content-Length: 99999999999999999999\r\n", body),
       400},
      {"two different Content-Lengths",
       framed("Content-Length: 5\r\nContent-Length: " + len + "\r\n", body), kAny4xx},
      {"Content-Length and chunked together",
       framed("Content-Length: 4\r\nTransfer-Encoding: chunked\r\n",
              chunk(cancel_of("ord-20260303120000-999999")) + "0\r\n\r\n"),
       kAny4xx},
      {"chunk size not hex", framed("Transfer-Encoding: chunked\r\n", "zz\r\n" + body), 400},
      {"chunk size past 64 bits",
       framed("Transfer-Encoding: chunked\r\n", "ffffffffffffffffff\r\n" + body), 400},
      {"chunked body over 64 KiB",
       framed("Transfer-Encoding: chunked\r\n",
              chunk(std::string(40000, ' ')) + chunk(std::string(40000, ' ')) + "0\r\n\r\n"),
       413},
      {"chunked body cut short (then silence)",
       framed("Transfer-Encoding: chunked\r\n", "100\r\n" + body), 408},
      {"body shorter than its Content-Length (then silence)",
       framed("Content-Length: " + std::to_string(body.size() + 10) + "\r\n", body), 408},
      {"body over 64 KiB", post("cancel_order", std::string(70 * 1024, ' ') + body), 413},
      {"Expect: 100-continue for a 1 MiB body",
       framed("Expect: 100-continue\r\nContent-Length: 1048576\r\n", ""), 413},
      {"Transfer-Encoding: gzip, chunked",
       framed("Transfer-Encoding: gzip, chunked\r\n", chunk(body) + "0\r\n\r\n"), 501},
  };
}

std::vector<Row> json_rows(const std::string& open_id) {
  return {
      {"100 000 nested arrays (over 64 KiB)", post("cancel_order", std::string(100000, '[')), 413},
      {"60 000 nested arrays", post("cancel_order", std::string(60000, '[')), 400},
      {"12 000 nested objects", post("cancel_order", nested_objects(12000)), 400},
      {"30 000 nested arrays, balanced",
       post("cancel_order", std::string(30000, '[') + std::string(30000, ']')), 400},
      {"invalid UTF-8 in order_id", post("cancel_order", cancel_of(open_id + "\xff\xfe")), 400},
      {"overlong UTF-8 encoding", post("cancel_order", cancel_of("ord-\xc0\xaf")), 400},
      {"lone UTF-16 surrogate escape", post("cancel_order", cancel_of(open_id + "\\ud800")), 400},
      {"raw NUL byte inside the body", post("cancel_order", cancel_of(open_id) + "\0"s), 400},
      {"escaped NUL in order_id", post("cancel_order", cancel_of(open_id + "\\u0000")), 400},
      {"empty object", post("cancel_order", "{}"), 400},
      {"null body", post("cancel_order", "null"), 400},
      {"array body", post("cancel_order", "[" + cancel_of(open_id) + "]"), 400},
      {"string body", post("cancel_order", "\"" + open_id + "\""), 400},
      {"trailing garbage after the JSON", post("cancel_order", cancel_of(open_id) + " x"), 400},
      {"order_id as a number", post("cancel_order", R"({"order_id":20260303120000})"), 400},
      {"order_id as an array", post("cancel_order", R"({"order_id":[")" + open_id + "\"]}"), 400},
      {"duplicate order_id, the last not an id",
       post("cancel_order", R"({"order_id":")" + open_id + R"(","order_id":"' OR 1=1 --"})"), 400},
  };
}

std::vector<Row> value_rows(const std::string& open_id) {
  const std::string empty_list = R"({"status":"success","data":{"count":0,"orders":[]})";
  return {
      {"SQL in order_id", post("cancel_order", cancel_of("' OR 1=1 --")), 400},
      {"valid id followed by SQL", post("cancel_order", cancel_of(open_id + "' OR '1'='1")), 400},
      {"SQL-looking order id in the path", get(kApi + "orders/%27%20OR%201%3D1%20--"), 404},
      {"order id of 10 000 characters",
       post("cancel_order", cancel_of("ord-20260303120000-" + std::string(10000, '9'))), 400},
      {"SQL in the list's status filter", get(kApi + "orders?status=OPEN%27%20OR%201%3D1"), 400},
      {"list limit of 20 digits", get(kApi + "orders?limit=99999999999999999999"), 400},
      {"SQL in the list's symbol filter matches nothing",
       get(kApi + "orders?symbol=%27%20OR%201%3D1%20--"), 200,
       R"({"status":"success","data":{"count":0,"orders":[],"next_cursor":null}})"},
      {"SQL in cancel_all's symbol cancels nothing",
       post("cancel_all", R"({"symbol":"' OR 1=1 --"})"), 200, empty_list + "}"},
      {"amount 1e999999", post("place_order", place_with("amount", "\"1e999999\"")), 400},
      {"amount 1e999999 as a JSON number", post("place_order", place_with("amount", "1e999999")),
       400},
      {"amount of 100 digits",
       post("place_order", place_with("amount", "\"" + std::string(100, '9') + "\"")), 400},
      {"negative amount", post("place_order", place_with("amount", "\"-1\"")), 400},
      {"amount NaN", post("place_order", place_with("amount", "\"NaN\"")), 400},
      {"price Infinity", post("place_order", place_with("price", "\"Infinity\"")), 400},
      {"symbol with an escaped NUL", post("place_order", place_with("symbol", "\"BTC\\u0000\"")),
       400},
      {"symbol of 10 000 characters",
       post("place_order", place_with("symbol", "\"" + std::string(10000, 'S') + "\"")), 400},
      {"form-encoded body",
       with_body("POST " + kApi + "cancel_order", "order_id=" + open_id,
                 "Content-Type: application/x-www-form-urlencoded\r\n"),
       400},
      {"multipart body",
       with_body("POST " + kApi + "cancel_order",
                 "--b\r\nContent-Disposition: form-data; name=\"order_id\"\r\n\r\n" + open_id +
                     "\r\n--b--\r\n",
                 "Content-Type: multipart/form-data; boundary=b\r\n"),
       400},
      {"XML body",
       with_body("POST " + kApi + "cancel_order", "<order_id>" + open_id + "</order_id>",
                 "Content-Type: application/xml\r\n"),
       400},
  };
}

// What is wrong with `reply` for `row`; empty when it is as expected.
std::string problem_of(const Row& row, const RawReply& reply) {
  if (!reply.answered) {
    if (row.expect == kAny4xxOrClosed && reply.closed) return {};
    return reply.closed ? "closed without an answer" : "no answer and not closed";
  }
  if (row.expect > 0 && reply.status != row.expect) return "unexpected status";
  if (row.expect <= 0 && (reply.status < 400 || reply.status >= 500)) return "not a 4xx";
  if (header_value(reply.head, "Content-Type") != "application/json") return "not JSON";
  if (!row.body.empty() && reply.body != row.body) return "unexpected body";
  if (row.body.empty() &&
      (!reply.body.starts_with(R"({"status":"error","error":")") || !reply.body.ends_with("\"}"))) {
    return "not a JSON error";
  }
  if (reply.body.find("sqlite") != std::string::npos ||
      reply.body.find("SQL") != std::string::npos) {
    return "storage text leaked";
  }
  return {};
}

struct Outcome {
  RawReply reply;
  int health_after = -1;  // GET /healthz on a fresh connection
};

// Every row on its own connection, kWorkers at a time (several rows wait out
// the 5 s read timeout); each followed by a health probe.
std::vector<Outcome> run_rows(int port, const std::vector<Row>& rows) {
  constexpr int kWorkers = 8;
  std::vector<Outcome> outcomes(rows.size());
  std::atomic<size_t> next{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&] {
      for (size_t i; (i = next++) < rows.size();) {
        outcomes[i].reply = raw_exchange(port, rows[i].request);
        outcomes[i].health_after = Api(port).get("/healthz").status;
      }
    });
  }
  for (std::thread& w : workers) w.join();
  return outcomes;
}

}  // namespace

TEST_CASE("hostile requests get a 4xx JSON error or a closed connection, and change nothing",
          "[system]") {
  TempDir dir;
  ServerProcess server({dir.path() / "orders.db", dir.path() / "stderr.log", {}});
  REQUIRE(server.port() > 0);
  Api api(server.port());
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(first_member(api.place().body, "order_id"));
  REQUIRE(api.cancel(ids[4]).status == 200);
  const std::string orders_before = api.get("orders").body;
  const std::string positions_before = api.get("positions").body;
  REQUIRE(count_of(orders_before, R"("status":"OPEN")") == 4);

  std::vector<Row> rows = request_line_rows();
  for (auto more :
       {header_rows(ids[0]), framing_rows(ids[1]), json_rows(ids[2]), value_rows(ids[3])}) {
    rows.insert(rows.end(), more.begin(), more.end());
  }
  REQUIRE(rows.size() >= 40);
  const std::vector<Outcome> outcomes = run_rows(server.port(), rows);
  const bool verbose = std::getenv("ORDERSTATE_SYSTEM_VERBOSE") != nullptr;
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& row = rows[i];
    const RawReply& reply = outcomes[i].reply;
    const std::string problem = problem_of(row, reply);
    if (verbose) {
      std::fprintf(stderr, "%-48s %-8s %3d %5lld ms %s\n", row.name.c_str(),
                   reply.answered ? "answered" : (reply.closed ? "closed" : "NOTHING"),
                   reply.status, static_cast<long long>(reply.elapsed.count()),
                   reply.body.substr(0, 60).c_str());
    }
    INFO("row: " << row.name << "\nstatus " << reply.status << ", closed " << reply.closed
                 << ", after " << reply.elapsed.count() << " ms\nbody: " << reply.body);
    if (row.known_issue.empty()) {
      CHECK(problem == "");
    } else if (!problem.empty()) {
      WARN("known issue (" << problem << "): " << row.known_issue);
    } else {
      WARN("known issue no longer seen, drop the marker: " << row.known_issue);
    }
    CHECK(outcomes[i].health_after == 200);
  }

  CHECK(api.get("orders").body == orders_before);
  CHECK(api.get("positions").body == positions_before);
  CHECK(Api(server.port(), kOtherKey).get("orders").body ==
        R"({"status":"success","data":{"count":0,"orders":[],"next_cursor":null}})");
  CHECK(server.stop() == 0);
}
