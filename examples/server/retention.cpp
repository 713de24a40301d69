#include "retention.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <span>
#include <vector>

namespace orderstate::server {
namespace {

constexpr int kPerAccount = 1000;       // events an account, a transaction
constexpr std::size_t kAccounts = 256;  // accounts a transaction
constexpr std::size_t kRounds = 100;    // transactions a tick, at most

}  // namespace

Retention::Retention(Orders& orders, std::int64_t keep) : orders_(orders), keep_(keep) {
  // On the committing thread: a lock and a lookup per commit (an
  // allocation only for an account new since the last tick).
  listening_ = orders_.events().listen([this](std::string_view account) {
    std::lock_guard lock(mu_);
    if (!written_.contains(account)) written_.emplace(account);
  });
}

Retention::~Retention() {
  orders_.events().unlisten(listening_);
}

void Retention::tick() {
  std::optional<Error> failed;
  if (first_) {  // every account once, for what was written before this process started
    auto all = orders_.stream_accounts();
    if (all.ok()) {
      std::lock_guard lock(mu_);
      written_.insert(all->begin(), all->end());
      first_ = false;
    } else {
      failed = all.error();
    }
  }
  std::vector<std::string> accounts;
  {
    std::lock_guard lock(mu_);
    accounts.assign(written_.begin(), written_.end());
    written_.clear();
  }
  // One transaction a chunk, at most kRounds a tick; a chunk that failed,
  // or pruned kPerAccount or more in all (one of its accounts may have
  // more), goes again next tick.
  std::vector<std::string> again;
  for (std::size_t i = 0; i < accounts.size(); i += kAccounts) {
    const std::span<const std::string> chunk(accounts.data() + i,
                                             std::min(kAccounts, accounts.size() - i));
    bool done = false;
    if (i / kAccounts < kRounds) {
      const auto pruned = orders_.prune_events(chunk, keep_, kPerAccount);
      if (!pruned.ok()) failed = pruned.error();
      done = pruned.ok() && *pruned < kPerAccount;
    }
    if (!done) again.insert(again.end(), chunk.begin(), chunk.end());
  }
  if (!again.empty()) {
    std::lock_guard lock(mu_);
    written_.insert(again.begin(), again.end());
  }
  if (failed && !failing_) {
    std::fprintf(stderr,
                 "orderstate-server: pruning the journal failed (retried each second): %s\n",
                 failed->message.c_str());
  }
  failing_ = failed.has_value();
}

}  // namespace orderstate::server
