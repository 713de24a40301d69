// Private to the PostgreSQL backend: the write path. Callers queue their
// units in one queue; while a writer connection is free, a caller whose unit
// is still queued takes it and leads: runs what is queued (up to max_batch)
// in one transaction on it, commits once, then completes every caller of the
// batch. Several batches run at once, one per connection. Thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "orderstate/repository.hpp"
#include "pg_connection.hpp"

namespace orderstate::pg {

class Writer {
 public:
  // `connections` writer connections (>= 1); `first`, when given, becomes one
  // of them (the others connect on first use).
  Writer(std::string conninfo, int max_batch, int connections, std::unique_ptr<Connection> first);

  Result<void> write(const Repository::Work& work);

 private:
  struct Pending;
  using Slot = std::unique_ptr<Connection>;  // null until (re)connected
  void run_batch(Slot& conn, std::vector<Pending*>& batch);
  enum class Then {
    kDone,                 // every unit has its result, or is in `retry`
    kAgain,                // rolled back: run `units` (now the rest) again
    kAgainWithSavepoints,  // rolled back: run them again, each in a savepoint
  };
  Then run_once(Slot& conn, std::vector<Pending*>& units, std::vector<Pending*>* retry,
                bool savepoints);
  Result<void> begin(Slot& conn, bool savepoints);

  const std::string conninfo_;
  const int max_batch_;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<Pending*> queue_;  // GUARDED_BY(queue_mu_)
  // Each connection belongs to the leader running a batch on it, or is
  // free: free_ lists those, and only their entries are touched under
  // queue_mu_ (a leader uses its own without the lock).
  std::vector<Slot> slots_;
  std::vector<std::size_t> free_;  // GUARDED_BY(queue_mu_)
};

}  // namespace orderstate::pg
