// libFuzzer target: the request path. The first input byte picks a route and
// method, the rest is the body (or the query string for GETs), sent over a
// kept-alive loopback connection to the adapter over a ":memory:" service.
// Every answer must be one of the documented statuses with a JSON envelope;
// any 5xx, non-JSON body or dropped connection aborts.
#include <httplib.h>

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>

#include "orderstate/http/routes.hpp"
#include "orderstate/orders.hpp"
#include "orderstate/sqlite_repository.hpp"

namespace {

struct Target {
  const char* method;
  const char* path;
};

constexpr Target kTargets[] = {
    {"POST", "/api/v1/trading/cancel_order"}, {"POST", "/api/v1/trading/place_order"},
    {"POST", "/api/v1/trading/liquidate"},    {"POST", "/api/v1/trading/liquidate_all"},
    {"POST", "/api/v1/trading/cancel_all"},   {"GET", "/api/v1/trading/orders?"},
    {"GET", "/api/v1/trading/positions?"},    {"GET", "/api/v1/trading/orders/"},
    {"GET", "/api/v1/trading/positions/"},    {"GET", "/api/v1/trading/positions/snapshot?"},
};

struct World {
  std::unique_ptr<orderstate::SqliteRepository> repo;
  orderstate::FixedClock clock{orderstate::unix_seconds(2026, 3, 3, 12, 0, 0)};
  std::unique_ptr<orderstate::Orders> orders;
  httplib::Server server;
  std::thread thread;
  std::unique_ptr<httplib::Client> client;
};

World& world() {
  static World* w = [] {
    auto* w = new World;
    w->repo = orderstate::SqliteRepository::open({":memory:"}).value();
    w->orders = std::make_unique<orderstate::Orders>(*w->repo, w->clock);
    orderstate::http::install_default_handlers(w->server);
    w->server.set_tcp_nodelay(true);  // else each exchange waits ~40 ms on Nagle + delayed ACK
    orderstate::http::mount_routes(w->server, *w->orders, {{{"fuzz", "key"}}});
    const int port = w->server.bind_to_any_port("127.0.0.1");
    w->thread = std::thread([w] { w->server.listen_after_bind(); });
    w->client = std::make_unique<httplib::Client>("127.0.0.1", port);
    w->client->set_keep_alive(true);
    w->client->set_tcp_nodelay(true);
    w->client->set_default_headers({{"Authorization", "Bearer key"}});
    // Something to cancel, fill and liquidate.
    for (int i = 0; i < 4; ++i) {
      (void)w->orders->place("fuzz", {"binance", "BTC/USDT", "BUY", "LIMIT", "1", "2", {}});
    }
    return w;
  }();
  return *w;
}

// Percent-encodes everything but unreserved characters and the query's own
// separators, so any byte reaches the server inside a valid request line.
std::string encode(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || (c != 0 && std::strchr("-_.~=&/", c))) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

bool documented(int status) {
  switch (status) {
    case 200:
    case 201:
    case 400:
    case 401:
    case 404:
    case 405:
    case 409:
    case 413:
      return true;
    default:
      return false;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  World& w = world();
  const Target& t = kTargets[data[0] % std::size(kTargets)];
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  httplib::Result r = std::string(t.method) == "POST"
                          ? w.client->Post(t.path, rest, "application/json")
                          : w.client->Get((std::string(t.path) + encode(rest)).c_str());
  if (!r) {
    std::fprintf(stderr, "no answer: %s\n", httplib::to_string(r.error()).c_str());
    std::abort();
  }
  const bool json = r->body.rfind("{\"status\":\"", 0) == 0 &&
                    r->get_header_value("Content-Type").rfind("application/json", 0) == 0;
  if (!documented(r->status) || !json) {
    std::fprintf(stderr, "%s %s -> %d %s\n", t.method, t.path, r->status, r->body.c_str());
    std::abort();
  }
  return 0;
}
