// EventBus: tells readers of an account's journal stream (issue 16) that it
// grew, so they read again instead of polling. It carries no events: the
// journal is the one source (Orders::events_since reads it), the bus only
// says "account A has committed something new". Each account has a
// generation, a counter that grows after every commit that journaled an
// event of the account (events are durable at the store's configured
// durability before it grows).
//
// The lost-wakeup-free pattern: read generation(a), then read the journal;
// if there was nothing new, wait(a, that generation, deadline).
//
// Thread-safe: every method may be called from any thread. Listeners run on
// the thread that published, one publish at a time; they must be quick, must
// not throw (what one throws is dropped) and must not call listen or unlisten (the HTTP edge writes
// to an eventfd). unlisten returns once no call of the listener is running. Only this process's
// commits are seen: a reader of a database that other processes also write (two servers on one
// PostgreSQL) must bound its waits and read again (the long-poll route's wait does).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace orderstate {

class EventBus {
 public:
  using Listener = std::function<void(std::string_view account)>;

  // The account's generation: 0 until this process commits an event of it.
  std::uint64_t generation(std::string_view account) const;
  // After a commit that journaled events of `account`: its generation grows,
  // waiters and listeners are told.
  void publish(std::string_view account);
  // Blocks until the account's generation differs from `seen` or until
  // `deadline`; returns the generation then.
  std::uint64_t wait(std::string_view account, std::uint64_t seen,
                     std::chrono::steady_clock::time_point deadline) const;
  // `listener` is called with the account after every publish from now on;
  // returns a handle for unlisten. Not called for commits before it returns.
  int listen(Listener listener);
  void unlisten(int handle);

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::map<std::string, std::uint64_t, std::less<>> generations_;
  std::mutex listeners_mutex_;  // held while listeners run
  std::vector<std::pair<int, Listener>> listeners_;
  int next_handle_ = 0;
};

}  // namespace orderstate
