#include "pg_writer.hpp"

#include <algorithm>

#include "pg_queries.hpp"

namespace orderstate::pg {
namespace {

// Runs of one unit: the first, and re-runs after conflicts with other instances.
constexpr int kMaxAttempts = 3;

// WriteTx over the writer connection, valid for one transaction. After a
// statement fails, PostgreSQL refuses every other statement until the unit's
// savepoint is rolled back: the unit is "poisoned" and each later operation
// returns that first error without a round trip.
class PgTx final : public WriteTx {
 public:
  explicit PgTx(Connection& c) : c_(c) {}

  void start_unit() {
    poison_.reset();
    unit_events_ = events_.size();
    unit_holds_ = false;
    c_.clear_conflict();
  }
  const std::optional<Error>& poison() const { return poison_; }
  // Whether the running unit changed or locked a row: failing, it must be
  // undone (a failed unit's locks, held to the commit, would make its
  // batch-mates' deadlocks with other writers far likelier).
  bool unit_holds() const { return unit_holds_; }

  Result<std::int64_t> next_sequence() override {
    return op([&]() -> Result<std::int64_t> { return pg::next_sequence(c_); });
  }
  Result<void> insert(const OrderRecord& o, const PositionRecord& p) override {
    return op([&]() -> Result<void> {
      unit_holds_ = true;  // a failed insert poisons the transaction anyway
      if (pg::insert(c_, o, p)) return Ok{};
      // Another instance committed this client_order_id after our lookup:
      // a re-run of the unit finds it and replays it.
      c_.set_conflict();
      return unavailable("postgres: client_order_id placed concurrently by another instance");
    });
  }
  Result<OrderRecord> find_order(std::string_view account, std::string_view id) override {
    return op([&] { return locked(pg::find_order(c_, account, id, Lock::ForUpdate)); });
  }
  Result<OrderRecord> find_order_by_client_id(std::string_view account,
                                              std::string_view client_order_id) override {
    return op([&] { return pg::find_order_by_client_id(c_, account, client_order_id); });
  }
  Result<PositionRecord> find_position(std::string_view account, std::string_view id) override {
    return op([&] { return locked(pg::find_position(c_, account, id, Lock::ForUpdate)); });
  }
  Result<std::vector<PositionRecord>> positions_in(std::string_view account, PositionStatus status,
                                                   const std::optional<std::string>& symbol,
                                                   std::optional<int> limit) override {
    return op([&]() -> Result<std::vector<PositionRecord>> {
      return locked(pg::positions_in(c_, account, status, symbol, limit, Lock::ForUpdate));
    });
  }
  Result<std::vector<OrderRecord>> orders_in(std::string_view account,
                                             std::span<const OrderStatus> statuses,
                                             const std::optional<std::string>& symbol) override {
    return op([&]() -> Result<std::vector<OrderRecord>> {
      return locked(pg::orders_in(c_, account, statuses, symbol, Lock::ForUpdate));
    });
  }
  Result<std::optional<OrderRecord>> set_order_status(
      std::string_view account, std::string_view id, OrderStatus from, OrderStatus to,
      std::string_view at, const std::optional<std::string>& pending_since) override {
    return op([&]() -> Result<std::optional<OrderRecord>> {
      return wrote(pg::set_order_status(c_, account, id, from, to, at, pending_since));
    });
  }
  Result<OrderMove> set_order_and_position_status(std::string_view account, std::string_view id,
                                                  OrderStatus from, OrderStatus to,
                                                  std::string_view at,
                                                  const std::optional<std::string>& pending_since,
                                                  PositionStatus position_from,
                                                  PositionStatus position_to) override {
    return op([&]() -> Result<OrderMove> {
      auto moved = pg::set_order_and_position_status(c_, account, id, from, to, at, pending_since,
                                                     position_from, position_to);
      unit_holds_ = unit_holds_ || moved.order;
      return moved;
    });
  }
  Result<bool> set_replaced_by(std::string_view account, std::string_view id,
                               std::string_view replacement_id) override {
    return op([&]() -> Result<bool> {
      return wrote(pg::set_replaced_by(c_, account, id, replacement_id));
    });
  }
  Result<std::vector<OrderRecord>> orders_due(std::span<const OrderStatus> statuses,
                                              std::string_view at, int limit) override {
    return op([&]() -> Result<std::vector<OrderRecord>> {
      return locked(pg::orders_due(c_, statuses, at, limit, Lock::ForUpdate));
    });
  }
  Result<bool> set_position_status(std::string_view id, PositionStatus from, PositionStatus to,
                                   std::string_view at) override {
    return op(
        [&]() -> Result<bool> { return wrote(pg::set_position_status(c_, id, from, to, at)); });
  }
  Result<bool> set_order_fill(OrderStatus from, const Decimal& filled_before,
                              const OrderRecord& after) override {
    return op([&]() -> Result<bool> {
      return wrote(pg::set_order_fill(c_, from, filled_before, after));
    });
  }
  Result<bool> set_position_fill(std::string_view id, const Decimal& size,
                                 const Decimal& entry_price, std::string_view at,
                                 bool reopen) override {
    return op([&]() -> Result<bool> {
      return wrote(pg::set_position_fill(c_, id, size, entry_price, at, reopen));
    });
  }
  Result<bool> insert_execution(const ExecutionRecord& e) override {
    return op([&]() -> Result<bool> { return wrote(pg::insert_execution(c_, e)); });
  }
  Result<ExecutionRecord> find_execution(std::string_view account,
                                         std::string_view exec_id) override {
    return op([&] { return pg::find_execution(c_, account, exec_id); });
  }
  Result<void> append_event(const OrderRecord& after, std::optional<OrderStatus> from,
                            std::string_view reason) override {
    // Kept until the commit, which writes and numbers them (events_sql): the
    // account's counter row is then locked for the commit only, not across
    // the rest of the batch, and an event costs no round trip of its own.
    return op([&]() -> Result<void> {
      events_.push_back(pending_event(after, from, reason));
      return Ok{};
    });
  }

  Result<std::int64_t> prune_events(std::span<const std::string> accounts, std::int64_t keep,
                                    int limit) override {
    return op([&]() -> Result<std::int64_t> {
      const std::int64_t gone = pg::prune_events(c_, accounts, keep, limit);
      unit_holds_ = unit_holds_ || gone > 0;
      return gone;
    });
  }

  // The events of the units kept so far (a rolled-back unit's are dropped).
  const std::vector<PendingEvent>& events() const { return events_; }
  void drop_unit_events() { events_.resize(unit_events_); }

 private:
  template <typename Fn>
  auto op(Fn&& fn) -> decltype(fn()) {
    if (poison_) return *poison_;
    bool threw = true;
    auto result = c_.guard([&]() -> decltype(fn()) {
      auto r = fn();
      threw = false;
      return r;
    });
    if (threw) poison_ = result.error();
    return result;
  }

  // A compare-and-set's outcome, noting whether it changed a row.
  template <typename T>
  T wrote(T changed) {
    unit_holds_ = unit_holds_ || static_cast<bool>(changed);
    return changed;
  }
  // A locking read's rows (a NotFound locked nothing), noting the lock.
  template <typename T>
  T locked(T rows) {
    unit_holds_ = unit_holds_ || is_found(rows);
    return rows;
  }
  template <typename T>
  static bool is_found(const Result<T>& r) {
    return r.ok();
  }
  template <typename T>
  static bool is_found(const std::vector<T>& rows) {
    return !rows.empty();
  }

  Connection& c_;
  std::optional<Error> poison_;
  bool unit_holds_ = false;
  std::vector<PendingEvent> events_;
  std::size_t unit_events_ = 0;  // events_ before the running unit's
};

Result<void> run_unit(const Repository::Work& work, PgTx& tx) {
  tx.start_unit();
  Result<void> result = Ok{};
  try {
    result = work(tx);
  } catch (const std::exception& e) {
    result = storage_error(std::string("unit of work threw: ") + e.what());
  } catch (...) {  // nothing may escape: the leader would stay marked busy, every write wait
    result = storage_error("unit of work threw a non-standard exception");
  }
  // A unit that carried on after a failed statement cannot keep its work.
  if (result.ok() && tx.poison()) return *tx.poison();
  return result;
}

}  // namespace

struct Writer::Pending {
  const Repository::Work* work;
  std::optional<Result<void>> result;
  bool taken = false;  // in a leader's batch
  bool done = false;
};

Writer::Writer(std::string conninfo, int max_batch, int connections,
               std::unique_ptr<Connection> first)
    : conninfo_(std::move(conninfo)), max_batch_(max_batch) {
  slots_.resize(static_cast<std::size_t>(std::max(connections, 1)));
  slots_[0] = std::move(first);
  for (std::size_t i = slots_.size(); i-- > 0;) free_.push_back(i);
}

Result<void> Writer::write(const Repository::Work& work) {
  Pending me{&work, std::nullopt};
  std::unique_lock lock(queue_mu_);
  queue_.push_back(&me);
  while (!me.done) {
    // Lead only while our own unit waits: a caller whose unit is in a batch
    // just waits for it.
    if (me.taken || free_.empty()) {
      queue_cv_.wait(lock);
      continue;
    }
    const std::size_t slot = free_.back();
    free_.pop_back();
    const std::size_t n = std::min(queue_.size(), static_cast<std::size_t>(max_batch_));
    std::vector<Pending*> batch(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    for (Pending* p : batch) p->taken = true;
    lock.unlock();
    try {
      run_batch(slots_[slot], batch);
    } catch (...) {  // only allocation can throw here; no caller may wait forever
      for (Pending* p : batch) {
        p->result = unavailable("postgres: the writer failed, outcome unknown");
      }
      slots_[slot].reset();  // its transaction, if any, goes with it
    }
    lock.lock();
    for (Pending* p : batch) p->done = true;
    free_.push_back(slot);
    queue_cv_.notify_all();
  }
  return std::move(*me.result);
}

// Runs the batch; units that lost a conflict run again in a transaction of
// their own after the first commits (so the locks they waited for are free).
// The first run takes no savepoints: a savepoint per unit is a round trip per
// unit, paid while the batch holds its locks, to undo what is rarely undone
// (a refused input changes nothing). When a unit fails after writing or
// locking (a 409 on an order it locked to read), the batch runs again with
// them; the first unit's refusal stands without that.
void Writer::run_batch(Slot& conn, std::vector<Pending*>& batch) {
  std::vector<Pending*> todo = batch;
  bool savepoints = false;
  for (int attempt = 1; !todo.empty();) {
    std::vector<Pending*> again;
    const Then then = run_once(conn, todo, attempt < kMaxAttempts ? &again : nullptr, savepoints);
    if (then == Then::kDone) {
      todo.swap(again);
      ++attempt;
    }
    // A batch undone because one unit failed after writing runs again with
    // savepoints; that rerun is not one of a unit's conflict attempts (with
    // one fewer, racing replaces and trades exhausted them under ASan).
    savepoints = savepoints || then == Then::kAgainWithSavepoints;
  }
}

// Opens the transaction (and the first unit's savepoint) in one round trip.
// A connection found dead here (the server restarted since its last use) is
// replaced once: nothing was sent that could have taken effect.
Result<void> Writer::begin(Slot& conn, bool savepoints) {
  for (int attempt = 0;; ++attempt) {
    const bool fresh = !conn;
    if (!conn) {
      auto opened = Connection::open(conninfo_);
      if (!opened.ok()) return opened.error();
      conn = std::move(opened).value();
    }
    auto begun = conn->guard([&]() -> Result<void> {
      conn->exec(savepoints ? "BEGIN; SAVEPOINT unit" : "BEGIN");
      return Ok{};
    });
    if (begun.ok() || !conn->lost()) return begun;
    conn.reset();
    if (fresh || attempt > 0) return begun;
  }
}

// Runs `units` in one transaction and commits once; with `savepoints`, each
// unit in the savepoint "unit", so a failed one is undone alone. A unit's
// outcome is final only once the commit succeeded: if the transaction is
// lost, every unit reports the error. With `retry`, a unit that failed on a
// conflict is rolled back and moved there without a result.
Writer::Then Writer::run_once(Slot& conn, std::vector<Pending*>& units,
                              std::vector<Pending*>* retry, bool savepoints) {
  auto exec = [&](const std::string& sql) {
    return conn->guard([&]() -> Result<void> { return conn->exec(sql), Ok{}; });
  };
  // Ends the transaction whatever state it is in; a connection that cannot
  // is dropped (the server rolls back when it goes).
  auto end = [&] {
    if (conn && (conn->lost() || !exec("ROLLBACK").ok())) conn.reset();
  };
  auto fail_all = [&](const Error& e) {
    for (Pending* p : units) p->result = e;
    if (retry) retry->clear();
    end();
    return Then::kDone;
  };
  if (auto begun = begin(conn, savepoints); !begun) return fail_all(begun.error());

  PgTx tx(*conn);
  bool any_ok = false;
  for (std::size_t i = 0; i < units.size(); ++i) {
    Pending* p = units[i];
    Result<void> result = run_unit(*p->work, tx);
    if (conn->lost()) {
      const std::string why = result.ok() ? "" : result.error().message;
      return fail_all(unavailable("postgres: connection lost in a transaction: " + why));
    }
    if (result.ok()) {
      any_ok = true;
      p->result = std::move(result);
      if (!savepoints || i + 1 == units.size()) continue;
      // Keep this unit's work; the next one starts from here.
      auto next = exec("RELEASE SAVEPOINT unit; SAVEPOINT unit");
      if (!next.ok()) return fail_all(next.error());
      continue;
    }
    tx.drop_unit_events();
    if (!savepoints) {
      if (!tx.unit_holds() && !tx.poison()) {  // nothing to undo
        p->result = std::move(result);
        continue;
      }
      const bool conflict = conn->conflict();  // end() may drop the connection
      end();
      for (Pending* q : units) q->result.reset();
      // The first unit saw only committed rows: its outcome stands and the
      // rest run again. A later one saw its batch-mates' work, now undone:
      // all run again, each undone alone if it fails.
      if (i > 0 || conflict) return Then::kAgainWithSavepoints;
      p->result = std::move(result);
      units.erase(units.begin());
      return Then::kAgain;
    }
    // Undo only this unit; the savepoint stays for the next.
    if (auto undone = exec("ROLLBACK TO SAVEPOINT unit"); !undone) return fail_all(undone.error());
    if (retry && conn->conflict()) {
      retry->push_back(p);
    } else {
      p->result = std::move(result);
    }
  }
  if (!any_ok) {  // nothing to keep: save the commit
    end();
    return Then::kDone;
  }
  // A statement ahead of the COMMIT in its message: in a transaction that
  // were somehow aborted it fails, where a bare COMMIT would quietly roll
  // back. The batch's events go there (RELEASE when there is a savepoint).
  std::string commit = savepoints ? "RELEASE SAVEPOINT unit; " : "";
  if (!tx.events().empty()) {
    auto events = conn->guard([&] { return Result<std::string>(events_sql(*conn, tx.events())); });
    if (!events) return fail_all(events.error());
    commit += *events + "; ";
  } else if (!savepoints) {
    commit += "SELECT 1; ";
  }
  auto committed = exec(commit + "COMMIT");
  if (committed.ok()) return Then::kDone;
  if (conn->lost()) {
    return fail_all(unavailable("postgres: connection lost during COMMIT, outcome unknown: " +
                                committed.error().message));
  }
  return fail_all(committed.error());  // and ends the transaction if COMMIT did not run
}

}  // namespace orderstate::pg
