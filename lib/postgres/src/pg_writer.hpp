// Private to the PostgreSQL backend: the write path. One writer connection;
// callers queue their units and one leader at a time runs what is queued in
// one transaction, commits once, then completes every caller. Thread-safe.
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
  // `conn`, when given, becomes the writer connection (it may be null: the
  // first write connects).
  Writer(std::string conninfo, int max_batch, std::unique_ptr<Connection> conn);

  Result<void> write(const Repository::Work& work);

 private:
  struct Pending;
  void run_batch(std::vector<Pending*>& batch);
  enum class Then {
    kDone,                 // every unit has its result, or is in `retry`
    kAgain,                // rolled back: run `units` (now the rest) again
    kAgainWithSavepoints,  // rolled back: run them again, each in a savepoint
  };
  Then run_once(std::vector<Pending*>& units, std::vector<Pending*>* retry, bool savepoints);
  Result<void> begin(bool savepoints);

  const std::string conninfo_;
  const int max_batch_;

  // Held by the batch leader.
  std::mutex conn_mu_;
  std::unique_ptr<Connection> conn_;  // GUARDED_BY(conn_mu_); null until (re)connected

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<Pending*> queue_;  // GUARDED_BY(queue_mu_)
  bool leader_active_ = false;  // GUARDED_BY(queue_mu_)
};

}  // namespace orderstate::pg
