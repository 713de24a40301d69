// orderstate-embed: an engine-like program using the core library alone.
// Places two orders, fills one, cancels the other, prints their journals.
#include <cstdio>

#include "orderstate/orders.hpp"
#include "orderstate/sqlite_repository.hpp"

using namespace orderstate;

namespace {

int fail(const std::string& message) {
  std::fprintf(stderr, "orderstate-embed: %s\n", message.c_str());
  return 1;
}

void print_history(Orders& orders, const std::string& order_id) {
  auto events = orders.history("engine", order_id);
  if (!events.ok()) {
    fail(events.error().message);
    return;
  }
  for (const OrderEvent& e : *events) {
    std::printf("%s  %-8s -> %-8s  %s  (%s)\n", e.order_id.c_str(),
                e.from ? to_string(*e.from) : "-", to_string(e.to), e.at.c_str(), e.reason.c_str());
  }
}

}  // namespace

int main() {
  auto repo = SqliteRepository::open({.path = ":memory:"});
  if (!repo.ok()) return fail(repo.error().message);
  SystemClock clock;
  Orders orders(**repo, clock);

  auto buy = orders.place(
      "engine", {"binance", "BTC/USDT", "BUY", "LIMIT", "0.01", "50000.00", std::nullopt});
  auto sell =
      orders.place("engine", {"binance", "ETH/USDT", "SELL", "MARKET", "1.5", "", std::nullopt});
  if (!buy.ok() || !sell.ok()) return fail("place failed");

  auto filled = orders.fill("engine", buy->order.order_id, "49990.50");
  auto canceled = orders.cancel("engine", sell->order.order_id);
  if (!filled.ok() || !canceled.ok()) return fail("update failed");

  print_history(orders, buy->order.order_id);
  print_history(orders, sell->order.order_id);
  return 0;
}
