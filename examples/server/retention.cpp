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
constexpr int kRounds = 100;            // transactions a tick, at most

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
  std::vector<std::string> accounts;
  {
    std::lock_guard lock(mu_);
    accounts.assign(written_.begin(), written_.end());
    written_.clear();
  }
  std::vector<std::string> again;
  std::optional<Error> failed;
  int rounds = 0;
  auto run = [&](std::span<const std::string> chunk) {
    const auto pruned = chunk.empty() ? orders_.prune_events(keep_, kPerAccount)
                                      : orders_.prune_events(chunk, keep_, kPerAccount);
    ++rounds;
    if (!pruned.ok()) failed = pruned.error();
    return pruned.ok() && *pruned < kPerAccount;  // else some account may have more
  };
  if (first_) {
    while (rounds < kRounds && !run({})) {
      if (failed) break;
    }
    first_ = failed.has_value() || rounds == kRounds;  // try the whole pass again
  }
  for (std::size_t i = 0; i < accounts.size(); i += kAccounts) {
    const std::span<const std::string> chunk(accounts.data() + i,
                                             std::min(kAccounts, accounts.size() - i));
    if (rounds >= kRounds || !run(chunk)) again.insert(again.end(), chunk.begin(), chunk.end());
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
