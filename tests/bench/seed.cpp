// Fills a SQLite database with N open orders for account "bench", placed at
// 2026-03-03T12:00:00Z so their ids are ord-20260303120000-1..N. Uses 8
// threads (group commit) and synchronous=NORMAL: seeding is not measured.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "orderstate/orders.hpp"
#include "orderstate/sqlite_repository.hpp"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s DB COUNT\n", argv[0]);
    return 2;
  }
  using namespace orderstate;
  auto repo = SqliteRepository::open({argv[1], 5000, Durability::Normal});
  if (!repo.ok()) {
    std::fprintf(stderr, "seed: %s\n", repo.error().message.c_str());
    return 1;
  }
  FixedClock clock(unix_seconds(2026, 3, 3, 12, 0, 0));
  Orders orders(**repo, clock);
  const long count = std::atol(argv[2]);
  std::atomic<long> left{count};
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      const PlaceRequest r{"binance", "BTC/USDT", "BUY", "LIMIT", "0.01", "50000.00"};
      while (left-- > 0) {
        if (!orders.place("bench", r).ok()) failed = true;
      }
    });
  }
  for (auto& t : threads) t.join();
  return failed ? 1 : 0;
}
