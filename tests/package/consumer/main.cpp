// A consumer of the orderstate package: places an order through the core, then
// cancels it through the HTTP adapter on a loopback port. Prints
// "consumer: CANCELED" and exits 0 when both libraries link and work.
#include <httplib.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "orderstate/http/routes.hpp"
#include "orderstate/orders.hpp"
#include "orderstate/sqlite_repository.hpp"

int main() {
  using namespace orderstate;
  auto repo = SqliteRepository::open({.path = ":memory:"});
  if (!repo.ok()) return 1;
  SystemClock clock;
  Orders orders(**repo, clock);
  auto placed =
      orders.place("desk", {"binance", "BTC/USDT", "BUY", "LIMIT", "0.01", "50000", std::nullopt});
  if (!placed.ok()) return 1;

  httplib::Server server;
  http::mount_routes(server, orders, http::Auth{{{"desk", "key"}}});
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread serving([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  httplib::Client client("127.0.0.1", port);
  const auto res =
      client.Post("/api/v1/trading/cancel_order", {{"Authorization", "Bearer key"}},
                  R"({"order_id":")" + placed->order.order_id + "\"}", "application/json");
  server.stop();
  serving.join();
  const auto order = orders.get_order("desk", placed->order.order_id);
  if (!res || res->status != 200 || !order.ok()) return 1;
  std::printf("consumer: %s\n", to_string(order->status));
  return 0;
}
