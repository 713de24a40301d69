#include "orderstate/event_bus.hpp"

#include <algorithm>

namespace orderstate {

std::uint64_t EventBus::generation(std::string_view account) const {
  std::lock_guard lock(mutex_);
  const auto it = generations_.find(account);
  return it == generations_.end() ? 0 : it->second;
}

void EventBus::publish(std::string_view account) {
  {
    std::lock_guard lock(mutex_);
    auto it = generations_.find(account);
    if (it == generations_.end()) it = generations_.emplace(std::string(account), 0).first;
    ++it->second;
  }
  changed_.notify_all();
  std::lock_guard calling(listeners_mutex_);
  for (const auto& [handle, listener] : listeners_) {
    // The commit is done: a listener breaking its no-throw promise must not
    // turn it into a failure for the writer's caller.
    try {
      listener(account);
    } catch (...) {
    }
  }
}

std::uint64_t EventBus::wait(std::string_view account, std::uint64_t seen,
                             std::chrono::steady_clock::time_point deadline) const {
  std::unique_lock lock(mutex_);
  auto current = [&] {
    const auto it = generations_.find(account);
    return it == generations_.end() ? 0 : it->second;
  };
  changed_.wait_until(lock, deadline, [&] { return current() != seen; });
  return current();
}

int EventBus::listen(Listener listener) {
  std::lock_guard lock(listeners_mutex_);
  listeners_.emplace_back(++next_handle_, std::move(listener));
  return next_handle_;
}

void EventBus::unlisten(int handle) {
  std::lock_guard lock(listeners_mutex_);
  std::erase_if(listeners_, [&](const auto& l) { return l.first == handle; });
}

}  // namespace orderstate
