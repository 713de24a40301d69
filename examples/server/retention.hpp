// Journal retention for orderstate-server (--keep-events): which accounts to
// prune, and when. Only an account this process wrote since the last tick
// can have events past its newest N, so a tick visits those (and, the first
// time, every account, for what was written before the process started):
// an idle account costs nothing, however many there are. With several
// servers on one database, each prunes the accounts it writes.
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
  // transaction; an account that may have more, or whose pruning failed,
  // is visited again on the next tick. The first failure after a success is
  // written to stderr (log only). Call from one thread.
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
