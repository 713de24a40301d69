// Private to the PostgreSQL backend: every statement it runs, as functions
// over a Connection, shared by the write transaction and the read path. They
// throw libpqxx exceptions on storage errors (the caller's Connection::guard
// converts them) and return NotFound as a Result.
//
// Locking (Lock::ForUpdate, inside the write transaction): an order row is
// always locked before its position's, and several orders in seq order, so
// two instances sharing a database do not deadlock on the service's units.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "orderstate/repository.hpp"
#include "pg_connection.hpp"

namespace orderstate::pg {

enum class Lock { None, ForUpdate };

std::int64_t next_sequence(Connection& c);
// false: another committed order of the account holds its client_order_id
// (nothing was written).
bool insert(Connection& c, const OrderRecord& order, const PositionRecord& position);
Result<OrderRecord> find_order(Connection& c, std::string_view account, std::string_view order_id,
                               Lock lock);
Result<OrderRecord> find_order_by_client_id(Connection& c, std::string_view account,
                                            std::string_view client_order_id);
Result<PositionRecord> find_position(Connection& c, std::string_view account,
                                     std::string_view position_id, Lock lock);
std::vector<PositionRecord> positions_in(Connection& c, std::string_view account,
                                         std::optional<PositionStatus> status,
                                         const std::optional<std::string>& symbol,
                                         std::optional<int> limit, Lock lock);
std::vector<OrderRecord> orders_in(Connection& c, std::string_view account,
                                   std::span<const OrderStatus> statuses,
                                   const std::optional<std::string>& symbol, Lock lock);
std::vector<OrderRecord> list_orders(Connection& c, std::string_view account,
                                     const OrderFilter& filter);
std::int64_t count_orders(Connection& c, std::string_view account, OrderStatus status);
Result<std::vector<OrderEvent>> order_events(Connection& c, std::string_view account,
                                             std::string_view order_id);
std::optional<OrderRecord> set_order_status(Connection& c, std::string_view account,
                                            std::string_view order_id, OrderStatus from,
                                            OrderStatus to, std::string_view at,
                                            const std::optional<std::string>& pending_since);
std::vector<OrderRecord> orders_due(Connection& c, std::span<const OrderStatus> statuses,
                                    std::string_view at, int limit, Lock lock);
std::vector<OrderRecord> pending_orders(Connection& c, std::string_view account,
                                        std::span<const OrderStatus> statuses,
                                        std::string_view cutoff, int limit,
                                        const std::optional<InFlightCursor>& after);
WriteTx::OrderMove set_order_and_position_status(Connection& c, std::string_view account,
                                                 std::string_view order_id, OrderStatus from,
                                                 OrderStatus to, std::string_view at,
                                                 const std::optional<std::string>& pending_since,
                                                 PositionStatus position_from,
                                                 PositionStatus position_to);
bool set_position_status(Connection& c, std::string_view position_id, PositionStatus from,
                         PositionStatus to, std::string_view at);
bool set_replaced_by(Connection& c, std::string_view account, std::string_view order_id,
                     std::string_view replacement_id);
bool set_order_fill(Connection& c, OrderStatus from, const Decimal& filled_before,
                    const OrderRecord& after);
bool set_position_fill(Connection& c, std::string_view position_id, const Decimal& size,
                       const Decimal& entry_price, std::string_view at, bool reopen);
// false: the (account, exec_id) is already recorded; a concurrent insert of
// it is waited for.
bool insert_execution(Connection& c, const ExecutionRecord& e);
Result<ExecutionRecord> find_execution(Connection& c, std::string_view account,
                                       std::string_view exec_id);
// A journal event waiting for its transaction's commit, where it is written
// and numbered (events_sql).
struct PendingEvent {
  std::int64_t order_seq;
  std::string order_id;
  std::optional<std::string> from;
  std::string to;
  std::string at;
  std::string reason;
  std::string account_id;
  std::string filled_amount;
  std::optional<std::string> average_fill_price;
};
// Invalid argument (thrown) for a malformed order id.
PendingEvent pending_event(const OrderRecord& after, std::optional<OrderStatus> from,
                           std::string_view reason);
// One statement that takes the stream counter row of each account in
// `events` (in account order, so two writers never wait on each other in a
// cycle), numbers the events on from it in the order given, and inserts
// them. The counter rows stay locked until the transaction ends: sent in the
// COMMIT's message, they are held for the commit only. `events` is not empty.
// The statement is prepared once per connection (planning it for each
// commit cost 60-145 us, and its memory churn made some server processes
// fault on every call); what is returned is its EXECUTE, with the events as
// arrays. Throws what Connection::execute_sql throws.
std::string events_sql(Connection& c, const std::vector<PendingEvent>& events);
std::vector<std::string> stream_accounts(Connection& c);
std::int64_t prune_events(Connection& c, std::span<const std::string> accounts, std::int64_t keep,
                          int limit);
std::vector<StreamEvent> account_events(Connection& c, std::string_view account,
                                        std::int64_t after_seq, int limit);

}  // namespace orderstate::pg
