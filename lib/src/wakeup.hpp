// Wakeup: one thread sleeps until another posts it. The group-commit writer
// uses one per queued caller to tell it that its outcome is final.
// Thread-safe for one waiter and one poster.
//
// Unlike a condition variable it needs no mutex: the poster does not make the
// woken thread queue for a lock it still holds, and it may post after the
// waiter has already returned and destroyed the Wakeup (the futex call only
// uses the address as a key; a stale wake is spurious and waiters re-check).
#pragma once

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>

namespace orderstate {

class Wakeup {
 public:
  // Blocks until post().
  void wait() {
    while (value_.load(std::memory_order_acquire) == 0) {
      syscall(SYS_futex, &value_, FUTEX_WAIT_PRIVATE, 0, nullptr, nullptr, 0);
    }
  }

  // REQUIRES: post() not called before. Everything written before post() is
  // visible to the waiter when wait() returns.
  void post() {
    std::atomic<int>* const key = &value_;
    key->store(1, std::memory_order_release);
    // From here on *this may be gone: only its address is used.
    syscall(SYS_futex, key, FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
  }

 private:
  std::atomic<int> value_{0};
};

}  // namespace orderstate
