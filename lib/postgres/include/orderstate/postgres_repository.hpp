// PostgresRepository: the Repository port on PostgreSQL (libpqxx), in the
// separate target orderstate::postgres. Thread-safe. Several instances, in
// one process or on many servers, may share one database:
// - IDs come from a PostgreSQL sequence: unique across instances, never
//   reused, but not dense (a rolled-back unit leaves a gap).
// - Writes queue in one queue served by `writers` writer connections with
//   group commit: whichever connection is free takes what is queued and runs
//   it in one READ COMMITTED transaction, then commits once; the
//   connections' transactions run concurrently. Units run without savepoints
//   (each is a round trip); when one fails after changing or locking a row,
//   the transaction is rolled back and the batch runs again with a savepoint
//   per unit, so a failed unit still leaves no trace. Journal events are
//   written, and numbered in the account's stream, in the COMMIT's own
//   message. The rows a unit reads to change are locked (SELECT ... FOR
//   UPDATE, or the compare-and-set UPDATE itself), so exactly one of many
//   concurrent cancels wins, whichever connection or instance runs them. A
//   unit that loses a conflict with another connection or instance
//   (deadlock, a client_order_id taken meanwhile) is rolled back and run
//   again after the batch commits, in at most three attempts (not counting
//   the rerun of a batch undone because a batch-mate failed after writing),
//   so a unit of work must be safe to re-run (it rebuilds its outputs; the
//   service's do).
// - Reads use a bounded pool of connections in autocommit: committed data.
// - A lost or unreachable server is Errc::Unavailable; the next call
//   reconnects, so the repository recovers by itself when the server is back.
//   A commit whose outcome is unknown (connection lost during COMMIT) is
//   Unavailable too: the unit may or may not have been applied.
#pragma once

#include <memory>
#include <string>

#include "orderstate/repository.hpp"

namespace orderstate {

struct PostgresOptions {
  // A libpq connection string: a URI ("postgresql://user@host:5432/db") or
  // "key=value" pairs. Any libpq setting may be given; the ones below are
  // added unless the string sets them.
  std::string uri;
  // Most read connections open at once; readers beyond it wait for one.
  int pool_size = 8;
  // Most units of work committed together in one transaction. A batch run
  // again after a failure has a savepoint per unit; past 64 of them in one
  // transaction PostgreSQL's per-backend subtransaction cache overflows and
  // every session's snapshots slow down while it lasts, hence a lower
  // default than SQLite's.
  int max_batch = 64;
  // Writer connections, each committing its own batches: a free one takes
  // what is queued, and their transactions run concurrently. Exactly
  // once holds across them as across servers (compare-and-set rows, FOR
  // UPDATE reads; a unit that loses a conflict runs again on its own).
  int writers = 2;  // measured best of 1, 2, 4, 8 here (README, Scaling out)
  // libpq connect_timeout: how long connecting to an unreachable server may
  // take before Unavailable. TCP keepalives and tcp_user_timeout (unless the
  // uri sets them) notice a server that vanished without closing the
  // connection within a minute, idle or with a request unanswered.
  int connect_timeout_s = 5;
  // How long a write waits for a row another instance has locked before
  // Unavailable (PostgreSQL lock_timeout). 0 waits for ever.
  int lock_timeout_ms = 5000;
  // true: synchronous_commit=on, an acknowledged write is on the server's
  // disk (and standbys', as the server is configured). false: the server
  // acknowledges before flushing its WAL; a server crash may undo the last
  // commits (never half of one).
  bool synchronous_commit = true;
};

class PostgresRepository final : public Repository {
 public:
  // Connects and migrates the schema (one instance at a time, under an
  // advisory lock). Fails with InvalidArgument for bad options or an
  // unparsable uri, Storage when the database's schema is newer than this
  // code, Unavailable when the server cannot be reached.
  static Result<std::unique_ptr<PostgresRepository>> open(const PostgresOptions& options);

  ~PostgresRepository() override;
  PostgresRepository(const PostgresRepository&) = delete;
  PostgresRepository& operator=(const PostgresRepository&) = delete;

  // The schema version this code writes (the highest row of schema_version).
  static int schema_version();

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
  explicit PostgresRepository(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace orderstate
