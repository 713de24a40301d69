// What install_default_handlers and the router add around the routes: JSON
// for unknown routes, wrong methods, oversized bodies and escaping exceptions;
// keys on every route; the health probe.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <stdexcept>

#include "test_server.hpp"

using namespace orderstate;
using namespace orderstate::test;

namespace {

// Sends `request` as is on a fresh connection; returns all the server wrote
// until it closed (or 5 s passed).
std::string raw_exchange(int port, const std::string& request) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  std::string reply;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      send(fd, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size())) {
    char buf[4096];
    for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;)
      reply.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return reply;
}

}  // namespace

TEST_CASE("an unknown route answers 404 not found as JSON", "[http]") {
  TestServer s;
  for (const std::string path : {"/", "/api/v1/trading/nope", "/api/v1/trading/orders/a/b",
                                 "/api/v1/trading/cancel_order/", "/api/v2/trading/orders"}) {
    INFO("path: " << path);
    const Reply r = s.get(path);
    CHECK(r.status == 404);
    CHECK(r.content_type == "application/json");
    CHECK(r.body == R"({"status":"error","error":"not found"})");
  }
}

TEST_CASE("a wrong method on a known route answers 405 method not allowed", "[http]") {
  TestServer s;
  const std::tuple<std::string, std::string, std::string> cases[] = {
      {"GET", "cancel_order", "POST"},
      {"PUT", "cancel_order", "POST"},
      {"DELETE", "place_order", "POST"},
      {"PATCH", "liquidate_all", "POST"},
      {"POST", "orders", "GET"},
      {"POST", "orders/ord-20260303120000-1", "GET"},
      {"DELETE", "orders/ord-20260303120000-1/events", "GET"},
      {"POST", "positions/snapshot", "GET"},
  };
  for (const auto& [method, path, allowed] : cases) {
    INFO(method << " " << path);
    const Reply r = s.send(method, path, "{}");
    CHECK(r.status == 405);
    CHECK(r.allow == allowed);
    CHECK(r.content_type == "application/json");
    CHECK(r.body == R"({"status":"error","error":"method not allowed"})");
  }
}

TEST_CASE("a body over 64 KiB answers 413 request body too large", "[http]") {
  TestServer s;
  place(s.orders(), "acct-1");
  const std::string padded =
      R"({"order_id":"ord-20260303120000-1","pad":")" + std::string(64 * 1024, 'x') + "\"}";

  const Reply r = s.post("cancel_order", padded);
  const Reply unknown_route = s.post("nope", padded);

  CHECK(r.status == 413);
  CHECK(r.body == R"({"status":"error","error":"request body too large"})");
  CHECK(unknown_route.status == 413);
  CHECK(unknown_route.body == R"({"status":"error","error":"request body too large"})");
  CHECK(s.get("orders/ord-20260303120000-1").body ==
        success(order_json(1, "OPEN", "2026-03-03T12:00:00Z")));
}

TEST_CASE("a body of exactly 64 KiB is read", "[http]") {
  TestServer s;
  place(s.orders(), "acct-1");
  std::string body = R"({"order_id":"ord-20260303120000-1","pad":")";
  body += std::string(64 * 1024 - body.size() - 2, 'x') + "\"}";
  REQUIRE(body.size() == 64 * 1024);

  const Reply r = s.post("cancel_order", body);

  CHECK(r.status == 200);
}

TEST_CASE("a chunked body over 64 KiB answers 413, and the connection stays usable", "[http]") {
  TestServer s;
  place(s.orders(), "acct-1");
  httplib::Client client("127.0.0.1", s.port());
  client.set_keep_alive(true);
  const httplib::Headers auth = {{"Authorization", "Bearer " + kKey}};
  const std::string big(100 * 1024, ' ');
  auto chunked =
      client.Post((kApi + "cancel_order").c_str(), auth,
                  [&](size_t offset, httplib::DataSink& sink) {
                    sink.write(big.data() + offset, std::min<size_t>(8192, big.size() - offset));
                    if (offset + 8192 >= big.size()) sink.done();
                    return true;
                  },
                  "application/json");
  REQUIRE(chunked);
  CHECK(chunked->status == 413);
  CHECK(chunked->body == R"({"status":"error","error":"request body too large"})");

  auto next = client.Post((kApi + "cancel_order").c_str(), auth,
                          R"({"order_id":"ord-20260303120000-1"})", "application/json");
  REQUIRE(next);
  CHECK(next->status == 200);
}

TEST_CASE("a POST without Content-Length is read as an empty body at once", "[http]") {
  TestServer s;
  const auto started = std::chrono::steady_clock::now();

  const std::string reply = raw_exchange(s.port(),
                                         "POST /api/v1/trading/cancel_all HTTP/1.1\r\n"
                                         "Host: localhost\r\n"
                                         "Authorization: Bearer k1\r\n"
                                         "Connection: close\r\n\r\n");

  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(2));
  CHECK(reply.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(reply.ends_with("\r\n\r\n" + success(R"({"count":0,"orders":[]})")));
}

TEST_CASE("every trading route answers 401 unauthorized without a valid key", "[http]") {
  TestServer s;
  const std::pair<std::string, std::string> routes[] = {
      {"POST", "place_order"},
      {"POST", "cancel_order"},
      {"POST", "cancel_all"},
      {"POST", "liquidate"},
      {"POST", "liquidate_all"},
      {"GET", "orders"},
      {"GET", "orders/ord-20260303120000-1"},
      {"GET", "orders/ord-20260303120000-1/events"},
      {"GET", "positions"},
      {"GET", "positions/snapshot"},
      {"GET", "positions/pos-20260303120000-1"},
  };
  for (const auto& [method, path] : routes) {
    for (const std::string& key : {std::string(), std::string("bogus")}) {
      INFO(method << " " << path << " key '" << key << "'");
      const Reply r = s.send(method, path, method == "POST" ? "{}" : "", key);
      CHECK(r.status == 401);
      CHECK(r.content_type == "application/json");
      CHECK(r.body == R"({"status":"error","error":"unauthorized"})");
    }
  }
}

TEST_CASE("healthz answers ok without a key, and 503 when storage fails", "[http]") {
  TestServer s;

  const Reply up = s.get("/healthz", "");
  s.repository().fault = Fault::Unavailable;
  const Reply down = s.get("/healthz", "");

  CHECK(up.status == 200);
  CHECK(up.content_type == "application/json");
  CHECK(up.body == R"({"status":"ok"})");
  CHECK(down.status == 503);
  CHECK(down.body == R"({"status":"error","error":"storage unavailable"})");
}

TEST_CASE("an exception escaping an application route answers a generic 500", "[http]") {
  TestServer s([](httplib::Server& server) {
    server.Get("/boom", [](const httplib::Request&, httplib::Response&) {
      throw std::runtime_error("secret detail");
    });
  });

  const Reply r = s.get("/boom");

  CHECK(r.status == 500);
  CHECK(r.content_type == "application/json");
  CHECK(r.body == R"({"status":"error","error":"internal error"})");
}
