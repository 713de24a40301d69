// GET /metrics and the Metrics it renders: requests by route template and
// status, the cancel latency histogram, the open-orders gauge, the format.
#include "orderstate/http/metrics.hpp"

#include <catch2/catch.hpp>
#include <thread>

#include "test_server.hpp"

using namespace orderstate;
using namespace orderstate::test;

namespace {

const std::string kRequestsHeader =
    "# HELP orderstate_http_requests_total HTTP requests answered, by route template and "
    "status.\n# TYPE orderstate_http_requests_total counter\n";

std::string histogram(const std::vector<int>& cumulative, const std::string& sum) {
  const char* bounds[] = {"0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01",
                          "0.025",  "0.05",    "0.1",    "0.25",  "0.5",    "1",     "2.5"};
  std::string out =
      "# HELP orderstate_cancel_duration_seconds Time the cancel_order route spent in "
      "Orders::cancel.\n# TYPE orderstate_cancel_duration_seconds histogram\n";
  for (std::size_t i = 0; i < cumulative.size(); ++i) {
    const std::string le = i < 14 ? bounds[i] : "+Inf";
    out += "orderstate_cancel_duration_seconds_bucket{le=\"" + le + "\"} " +
           std::to_string(cumulative[i]) + "\n";
  }
  return out + "orderstate_cancel_duration_seconds_sum " + sum +
         "\norderstate_cancel_duration_seconds_count " + std::to_string(cumulative.back()) + "\n";
}

std::string counter(const std::string& route, int status, int n) {
  return "orderstate_http_requests_total{route=\"" + route + "\",status=\"" +
         std::to_string(status) + "\"} " + std::to_string(n) + "\n";
}

void with_metrics(http::RouteOptions& o) {
  o.metrics = std::make_shared<http::Metrics>();
}

}  // namespace

TEST_CASE("a fresh Metrics renders no requests and an empty histogram", "[http][metrics]") {
  const http::Metrics metrics;

  CHECK(metrics.render() == kRequestsHeader + histogram(std::vector<int>(15, 0), "0"));
}

TEST_CASE("a cancel lands in the first bucket that holds it", "[http][metrics]") {
  http::Metrics metrics;
  metrics.record_cancel(std::chrono::microseconds(300));
  metrics.record_cancel(std::chrono::microseconds(100));  // on the bound: le is inclusive
  metrics.record_cancel(std::chrono::seconds(3));

  CHECK(metrics.render() ==
        kRequestsHeader + histogram({1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3}, "3.0004"));
}

TEST_CASE("GET /metrics counts requests by route template and status", "[http][metrics]") {
  TestServer s({}, with_metrics);
  const std::string api = "/api/v1/trading/";
  REQUIRE(
      s.post("place_order", R"({"exchange":"x","symbol":"S","side":"BUY","amount":"1"})").status ==
      201);
  REQUIRE(s.post("cancel_order", R"({"order_id":"ord-20260303120000-1"})").status == 200);
  REQUIRE(s.post("cancel_order", R"({"order_id":"ord-20260303120000-1"})").status == 409);
  REQUIRE(s.get("orders/ord-20260303120000-1").status == 200);
  REQUIRE(s.get("orders/ord-20260303120000-7").status == 404);
  REQUIRE(s.get("orders/ord-20260303120000-1", "").status == 401);
  REQUIRE(s.send("PUT", "cancel_order", "{}").status == 405);
  REQUIRE(s.get("/nowhere").status == 404);
  REQUIRE(s.get("/healthz", "").status == 200);

  const Reply r = s.get("/metrics", "");

  CHECK(r.status == 200);
  CHECK(r.content_type == "text/plain; version=0.0.4");
  const std::string expected_requests =
      kRequestsHeader + counter("unmatched", 404, 1) + counter(api + "place_order", 201, 1) +
      counter(api + "cancel_order", 200, 1) + counter(api + "cancel_order", 405, 1) +
      counter(api + "cancel_order", 409, 1) + counter(api + "orders/{order_id}", 200, 1) +
      counter(api + "orders/{order_id}", 401, 1) + counter(api + "orders/{order_id}", 404, 1) +
      counter("/healthz", 200, 1);
  CHECK(r.body.substr(0, expected_requests.size()) == expected_requests);
  CHECK(r.body.find("orderstate_cancel_duration_seconds_count 2\n") != std::string::npos);
  CHECK(r.body.find("orderstate_open_orders") == std::string::npos);  // no source given
  CHECK(s.get("/metrics", "").body.find(counter("/metrics", 200, 1)) != std::string::npos);
}

TEST_CASE("the open orders gauge counts every account's working orders once", "[http][metrics]") {
  TestServer s;
  place(s.orders(), "acct-1");
  place(s.orders(), "acct-1");
  place(s.orders(), "acct-2");
  place(s.orders(), "acct-3");  // no key names it: not counted
  REQUIRE(s.orders().cancel("acct-1", "ord-20260303120000-1").ok());
  // A partially filled order is still working: it counts (as v1 shows it OPEN).
  REQUIRE(s.orders()
              .apply_execution("acct-2", {.exec_id = "T1",
                                          .order_id = "ord-20260303120000-3",
                                          .kind = ExecKind::Trade,
                                          .last_amount = "0.001",
                                          .last_price = "1"})
              ->order.status == OrderStatus::PartiallyFilled);
  const std::string gauge = "# TYPE orderstate_open_orders gauge\norderstate_open_orders ";

  const http::Metrics all(http::open_orders_of(s.orders(), {"acct-1", "acct-2", "acct-1"}));

  CHECK(all.render().ends_with(gauge + "2\n"));
  s.repository().fault = Fault::Unavailable;
  CHECK(all.render().find("orderstate_open_orders") == std::string::npos);
}

TEST_CASE("counting from many threads loses nothing", "[http][metrics]") {
  http::Metrics metrics;
  http::RouteCounter& route = metrics.route("/r");
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        route.record(200);
        metrics.record_cancel(std::chrono::microseconds(1));
      }
    });
  }
  for (std::thread& t : threads) t.join();

  CHECK(&metrics.route("/r") == &route);
  CHECK(route.count(200) == 80000);
  CHECK(metrics.render().find("orderstate_cancel_duration_seconds_count 80000\n") !=
        std::string::npos);
}

TEST_CASE("without metrics nothing is served at /metrics", "[http][metrics]") {
  TestServer s;

  CHECK(s.get("/metrics", "").status == 404);
}
