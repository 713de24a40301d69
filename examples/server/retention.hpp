// Journal retention for orderstate-server (--keep-events): which accounts to
// prune, and when. An account grows past its newest N only when written, so
// each tick prunes the accounts this process's commits named since the last
// one (and, on the first tick, every account that has a stream, for what was
// written before the process started): an idle account costs nothing,
// however many there are. With several servers on one database, each
// prunes the accounts it writes. Not noticed: a commit whose outcome was
// unknown to its writer (it was not published); the account is pruned when
// next written, or at the next start.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <set>
#include <string>

#include "orderstate/orders.hpp"

namespace orderstate::server {

class Retention {
 public:
  // Keeps each account's newest `keep` (>= 1) events of `orders`' journal;
  // listens to its commits from now until destroyed.
  Retention(Orders& orders, std::int64_t keep);
  ~Retention();
  Retention(const Retention&) = delete;
  Retention& operator=(const Retention&) = delete;

  // Prunes what is due: up to 1000 events an account and 256 accounts a
  // transaction, 100 transactions at most; accounts left over, that may
  // have more, or whose pruning failed are visited again on the next tick.
  // The first failure after a success is written to stderr (log only).
  // Call from one thread.
  void tick();

 private:
  Orders& orders_;
  const std::int64_t keep_;
  int listening_ = 0;
  bool first_ = true;
  bool failing_ = false;
  std::mutex mu_;
  std::set<std::string, std::less<>> written_;  // GUARDED_BY(mu_)
};

}  // namespace orderstate::server
