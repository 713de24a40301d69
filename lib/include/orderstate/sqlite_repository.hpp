// SqliteRepository: the Repository port on SQLite (WAL mode). Thread-safe.
// All writes go through one writer connection: a caller that finds no write
// in progress runs its unit at once, in its own thread; callers arriving
// meanwhile queue, and the repository's writer thread runs them all in one
// transaction (group commit: one fsync for many). Transactions begin
// IMMEDIATE, so the write lock is taken up front and other processes on the
// same file wait up to busy_timeout. Reads use a pool of connections of their
// own (for ":memory:", the writer's, under its lock). The writer thread lives
// as long as the object: a process that forks opens its own repository.
#pragma once

#include <memory>
#include <string>

#include "orderstate/repository.hpp"

namespace orderstate {

enum class Durability {
  // synchronous=FULL: the WAL is fsynced at every commit. An acknowledged
  // write survives a process crash and a power loss.
  Full,
  // synchronous=NORMAL: no fsync at commit. An acknowledged write survives a
  // process crash (kill -9); a power loss may undo the last commits.
  Normal,
};

const char* to_string(Durability);

struct SqliteOptions {
  // A file path, or ":memory:" for a private in-memory database (tests).
  std::string path = "orderstate.db";
  // How long a write waits for another process's lock before Unavailable.
  int busy_timeout_ms = 5000;
  Durability durability = Durability::Full;
  // Most read connections kept open (file databases only).
  int max_readers = 16;
  // Most units of work committed together in one transaction.
  int max_batch = 512;
};

class SqliteRepository final : public Repository {
 public:
  // Opens (creating if needed) and migrates the database. Fails with Storage
  // when the file's schema is newer than this code, Unavailable when the file
  // cannot be opened or is locked past the busy timeout.
  static Result<std::unique_ptr<SqliteRepository>> open(const SqliteOptions& options);

  ~SqliteRepository() override;
  SqliteRepository(const SqliteRepository&) = delete;
  SqliteRepository& operator=(const SqliteRepository&) = delete;

  // The schema version this code writes (PRAGMA user_version).
  static int schema_version();

  // Turns off SQLite's memory statistics, which take a process-wide mutex
  // around every allocation SQLite makes: with 16 writing threads, group
  // commit gains 10-20% (README, Benchmarks). The setting is the process's,
  // so it is the application's call, made in main() before anything in the
  // process opens a database. Returns false, changing nothing, when SQLite is
  // already in use. Not thread-safe.
  static bool disable_memory_statistics();

  Result<void> write(const Work& work) override;
  Result<OrderRecord> get_order(std::string_view account, std::string_view order_id) override;
  Result<std::vector<OrderRecord>> list_orders(std::string_view account,
                                               const OrderFilter& filter) override;
  Result<std::vector<OrderRecord>> pending_orders(
      std::string_view account, std::span<const OrderStatus> statuses, std::string_view cutoff,
      int limit, const std::optional<InFlightCursor>& after) override;
  Result<std::int64_t> count_orders(std::string_view account, OrderStatus status) override;
  Result<std::vector<StreamEvent>> account_events(std::string_view account, std::int64_t after_seq,
                                                  int limit) override;
  Result<std::vector<std::string>> stream_accounts() override;
  Result<std::vector<OrderEvent>> order_events(std::string_view account,
                                               std::string_view order_id) override;
  Result<PositionRecord> get_position(std::string_view account,
                                      std::string_view position_id) override;
  Result<std::vector<PositionRecord>> list_positions(std::string_view account,
                                                     std::optional<PositionStatus> status) override;
  Result<void> ping() override;

 private:
  struct Impl;
  explicit SqliteRepository(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace orderstate
