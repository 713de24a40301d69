// orderstate-embed: an engine-like program using the core library alone.
// Places two orders, fills one, cancels the other (twice: the second is
// refused), then reads the journals and the open positions back.
// usage: orderstate-embed [DB]   (default ":memory:"; a file path persists)
#include <cstdio>
#include <vector>

#include "orderstate/orders.hpp"
#include "orderstate/sqlite_repository.hpp"
#include "orderstate/state_machine.hpp"

using namespace orderstate;

namespace {

constexpr const char* kAccount = "engine";  // every call is scoped by an account

int fail(const Error& error) {
  std::fprintf(stderr, "orderstate-embed: %s: %s\n", to_string(error.code), error.message.c_str());
  return 1;
}

void print_history(const std::vector<OrderEvent>& events) {
  for (const OrderEvent& e : events) {
    std::printf("  %s %s -> %s (%s) at %s\n", e.order_id.c_str(), e.from ? to_string(*e.from) : "-",
                to_string(e.to), e.reason.c_str(), e.at.c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  auto repo = SqliteRepository::open({.path = argc > 1 ? argv[1] : ":memory:"});
  if (!repo.ok()) return fail(repo.error());
  SystemClock clock;
  Orders orders(**repo, clock);  // thread-safe: share it between the engine's threads

  auto buy = orders.place(kAccount, {.exchange = "binance",
                                     .symbol = "BTC/USDT",
                                     .side = "BUY",
                                     .type = "LIMIT",
                                     .amount = "0.01",
                                     .price = "50000.00"});
  if (!buy.ok()) return fail(buy.error());
  auto sell = orders.place(kAccount, {.exchange = "binance",
                                      .symbol = "ETH/USDT",
                                      .side = "SELL",
                                      .type = "MARKET",
                                      .amount = "1.5",
                                      .price = ""});
  if (!sell.ok()) return fail(sell.error());
  std::printf("placed %s and %s\n", buy->order.order_id.c_str(), sell->order.order_id.c_str());

  // The venue reports a partial fill, then the same report again (a replay
  // after a reconnect): the second changes nothing. Then the rest is canceled;
  // the position keeps the filled part, the exposure that is real.
  const ExecutionReport trade{.exec_id = "T-1",
                              .order_id = buy->order.order_id,
                              .kind = ExecKind::Trade,
                              .last_amount = "0.004",
                              .last_price = "49990.50"};
  for (int i = 0; i < 2; ++i) {
    auto applied = orders.apply_execution(kAccount, trade);
    if (!applied.ok()) return fail(applied.error());
    std::printf("trade T-1%s: %s filled %s of %s, remaining %s, average %s\n",
                applied->replayed ? " (replayed)" : "", to_string(applied->order.status),
                applied->order.filled_amount.text().c_str(), applied->order.amount.text().c_str(),
                remaining_amount(applied->order).text().c_str(),
                applied->order.average_fill_price->text().c_str());
  }
  auto rest = orders.cancel(kAccount, buy->order.order_id);
  if (!rest.ok()) return fail(rest.error());
  auto canceled = orders.cancel(kAccount, sell->order.order_id);
  if (!canceled.ok()) return fail(canceled.error());
  std::printf("%s is %s, %s is %s\n", rest->order_id.c_str(), to_string(rest->status),
              canceled->order_id.c_str(), to_string(canceled->status));

  // Expected refusals are Result codes, not exceptions: branch on the code.
  auto again = orders.cancel(kAccount, sell->order.order_id);
  if (again.ok() || again.code() != Errc::NotOpen) return 1;
  std::printf("cancel again: %s (%s)\n", to_string(again.code()), again.error().message.c_str());

  for (const auto& id : {buy->order.order_id, sell->order.order_id}) {
    auto events = orders.history(kAccount, id);
    if (!events.ok()) return fail(events.error());
    print_history(*events);
  }
  auto open = orders.list_positions(kAccount, PositionStatus::Open);
  if (!open.ok()) return fail(open.error());
  for (const PositionRecord& p : *open) {
    std::printf("open position %s: %s %s %s @ %s\n", p.position_id.c_str(), to_string(p.side),
                p.size.text().c_str(), p.symbol.c_str(), p.entry_price.text().c_str());
  }
  return 0;
}
