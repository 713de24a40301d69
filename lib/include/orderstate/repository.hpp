// Repository: the storage port. A backend (SQLite, PostgreSQL) implements it;
// the service (orders.hpp) is written against it alone. Implementations are
// safe for concurrent use from many threads. Expected outcomes come back as
// Result (NotFound when a record is absent for the account); storage
// failures are Unavailable or Storage. Nothing here throws.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "orderstate/order.hpp"
#include "orderstate/result.hpp"

namespace orderstate {

// Where a page of in-flight orders (ordered by pending_since, then seq)
// resumes: after this pair.
struct InFlightCursor {
  std::string pending_since;
  std::int64_t seq = 0;
};

struct OrderFilter {
  std::vector<OrderStatus> statuses;       // any of these; empty: every status
  std::optional<std::string> symbol;       // matched case-insensitively
  std::optional<std::int64_t> before_seq;  // only orders older than this
  int limit = 100;                         // REQUIRES: 1 <= limit
};

// The operations a unit of work may run inside one write transaction. Every
// lookup is scoped by account: another account's record is NotFound. Only
// valid during the Repository::write call that handed it out.
class WriteTx {
 public:
  virtual ~WriteTx() = default;

  // The next value of the shared ID counter (>= 1, never reused; not
  // necessarily dense: a backend's sequence may skip values).
  virtual Result<std::int64_t> next_sequence() = 0;
  virtual Result<void> insert(const OrderRecord& order, const PositionRecord& position) = 0;

  virtual Result<OrderRecord> find_order(std::string_view account, std::string_view order_id) = 0;
  virtual Result<OrderRecord> find_order_by_client_id(std::string_view account,
                                                      std::string_view client_order_id) = 0;
  virtual Result<PositionRecord> find_position(std::string_view account,
                                               std::string_view position_id) = 0;
  // The account's positions in `status`, of `symbol` when given, oldest
  // first, at most `limit` of them when given.
  virtual Result<std::vector<PositionRecord>> positions_in(std::string_view account,
                                                           PositionStatus status,
                                                           const std::optional<std::string>& symbol,
                                                           std::optional<int> limit) = 0;
  // The account's orders in any of `statuses`, of `symbol` when given, oldest first.
  virtual Result<std::vector<OrderRecord>> orders_in(std::string_view account,
                                                     std::span<const OrderStatus> statuses,
                                                     const std::optional<std::string>& symbol) = 0;

  // Compare-and-set: moves the account's order to `to` (stamping `at`, and
  // setting pending_since as given) only if it is still in `from`, in one
  // round trip. Returns the order as it now is, or nullopt when it was not in
  // `from` or is not the account's.
  virtual Result<std::optional<OrderRecord>> set_order_status(
      std::string_view account, std::string_view order_id, OrderStatus from, OrderStatus to,
      std::string_view at, const std::optional<std::string>& pending_since) = 0;
  // Links the account's order to the order that replaced it (replaced_by).
  // False when there is no such order.
  virtual Result<bool> set_replaced_by(std::string_view account, std::string_view order_id,
                                       std::string_view replacement_id) = 0;
  // Orders of any account in any of `statuses` whose expire_at is at or
  // before `at` (RFC 3339, compared as text), earliest first, at most `limit`.
  virtual Result<std::vector<OrderRecord>> orders_due(std::span<const OrderStatus> statuses,
                                                      std::string_view at, int limit) = 0;
  // Compare-and-set for a trade: only if the account's order `after.order_id`
  // is still in `from` with `filled_before` as its filled_amount (same text),
  // it takes after's status, updated_at, filled_amount, filled_notional,
  // average_fill_price and pending_since (the caller built `after` from the order it read in
  // this unit). False when the order was not in that state.
  virtual Result<bool> set_order_fill(OrderStatus from, const Decimal& filled_before,
                                      const OrderRecord& after) = 0;
  // A position's size and entry price after a trade; with `reopen`, a CLOSED
  // position becomes OPEN again (a late fill of an order that had none).
  // The status is written only then, so the common trade leaves the status
  // indexes alone. False when the position does not exist.
  virtual Result<bool> set_position_fill(std::string_view position_id, const Decimal& size,
                                         const Decimal& entry_price, std::string_view at,
                                         bool reopen) = 0;
  // Records an execution report once per (account, exec_id). False, and
  // nothing written, when the exec_id is already recorded (a concurrent
  // insert from another server is waited for, then counts as recorded).
  virtual Result<bool> insert_execution(const ExecutionRecord& execution) = 0;
  // The recorded execution `exec_id` of the account; NotFound when absent.
  virtual Result<ExecutionRecord> find_execution(std::string_view account,
                                                 std::string_view exec_id) = 0;
  // The same for a position (its order's transition says which).
  virtual Result<bool> set_position_status(std::string_view position_id, PositionStatus from,
                                           PositionStatus to, std::string_view at) = 0;

  struct OrderMove {
    std::optional<OrderRecord> order;  // as it now is; nullopt: not moved, nothing changed
    bool position_moved = false;       // its position was in position_from and moved
  };
  // set_order_status, then, only if the order moved, set_position_status of
  // its position from `position_from` to `position_to` at `at`. This default
  // makes the two calls; a backend may override it to make both one round
  // trip (PostgreSQL does: on a network every round trip of a unit is paid
  // while its batch holds its locks).
  virtual Result<OrderMove> set_order_and_position_status(
      std::string_view account, std::string_view order_id, OrderStatus from, OrderStatus to,
      std::string_view at, const std::optional<std::string>& pending_since,
      PositionStatus position_from, PositionStatus position_to) {
    auto order = set_order_status(account, order_id, from, to, at, pending_since);
    if (!order.ok()) return order.error();
    if (!*order) return OrderMove{};
    auto position = set_position_status((*order)->position_id, position_from, position_to, at);
    if (!position.ok()) return position.error();
    return OrderMove{std::move(*order), *position};
  }
  // Journals a change of `after` (its status and fills now, at its
  // updated_at) from `from` (nullopt: it was created), for `reason`; the
  // event takes the next number of after.account_id's stream (issue 16).
  virtual Result<void> append_event(const OrderRecord& after, std::optional<OrderStatus> from,
                                    std::string_view reason) = 0;
  // Deletes each of `accounts`' journal events older than its newest `keep`
  // (>= 1), oldest first, at most `limit` per account; returns how many
  // went. The cost is a few index seeks per account, plus the deletes. Only
  // a prefix of a stream goes, never a hole, and the numbering never reuses
  // a number (account_streams counts it), so a reader finds out what it
  // missed (Orders::events_since answers Gone).
  virtual Result<std::int64_t> prune_events(std::span<const std::string> accounts,
                                            std::int64_t keep, int limit) = 0;
};

class Repository {
 public:
  // A unit of work. Returning an error undoes everything the unit did. A
  // backend may run a unit more than once before write() returns (after a
  // deadlock or serialization failure against another server, or to undo a
  // batch-mate's failed unit): a unit must set its outputs, not accumulate
  // into them. A unit that throws, whatever it throws, fails as if it had
  // returned a Storage error: its work is undone, the exception does not
  // leave write(), and the other units and later writes are unaffected.
  using Work = std::function<Result<void>(WriteTx&)>;

  virtual ~Repository() = default;

  // Runs `work` in a write transaction, alone or batched with concurrent
  // units; one unit's failure undoes only itself.
  // Returns only after the transaction holding the unit has committed at the
  // backend's configured durability; on a commit failure every unit of the
  // batch gets the error and none of their effects remain, except that a
  // backend may be unable to tell (a network database whose connection was
  // lost during COMMIT): that is Errc::Unavailable and the unit may or may
  // not have been applied, so a caller retrying it must make it idempotent
  // (a client_order_id, an exec_id).
  virtual Result<void> write(const Work& work) = 0;

  // Reads see committed data only.
  virtual Result<OrderRecord> get_order(std::string_view account, std::string_view order_id) = 0;
  virtual Result<std::vector<OrderRecord>> list_orders(std::string_view account,
                                                       const OrderFilter& filter) = 0;
  // The account's orders in any of `statuses` whose pending_since is at or
  // before `cutoff` (RFC 3339, compared as text), oldest first (pending_since,
  // then seq), after `after` when given, at most `limit`.
  virtual Result<std::vector<OrderRecord>> pending_orders(
      std::string_view account, std::span<const OrderStatus> statuses, std::string_view cutoff,
      int limit, const std::optional<InFlightCursor>& after) = 0;
  // How many of the account's orders are in `status`: counted in the status
  // index, without reading a record (so O(those orders), cheap per entry).
  virtual Result<std::int64_t> count_orders(std::string_view account, OrderStatus status) = 0;
  // The journal of one order, oldest first; NotFound if the order is not the account's.
  virtual Result<std::vector<OrderEvent>> order_events(std::string_view account,
                                                       std::string_view order_id) = 0;
  // The account's journal after stream number `after_seq`, in seq order, at
  // most `limit` events (issue 16).
  virtual Result<std::vector<StreamEvent>> account_events(std::string_view account,
                                                          std::int64_t after_seq, int limit) = 0;
  // Every account that has a stream (ever journaled an event), in id order.
  virtual Result<std::vector<std::string>> stream_accounts() = 0;
  virtual Result<PositionRecord> get_position(std::string_view account,
                                              std::string_view position_id) = 0;
  // The account's positions (in `status` when given), oldest first.
  virtual Result<std::vector<PositionRecord>> list_positions(
      std::string_view account, std::optional<PositionStatus> status) = 0;

  // Ok when the store answers a trivial query.
  virtual Result<void> ping() = 0;
};

}  // namespace orderstate
