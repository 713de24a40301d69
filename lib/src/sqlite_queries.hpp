// Private to the SQLite backend: every statement it runs, as functions over a
// Connection, shared by the write transaction and the read path. They throw
// SQLite::Exception on storage errors (the caller's guard converts it) and
// return NotFound as a Result.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "orderstate/repository.hpp"
#include "sqlite_connection.hpp"

namespace orderstate::sqlite {

// Runs `fn`, turning a SQLite::Exception into its Error.
template <typename Fn>
auto guarded(Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const SQLite::Exception& e) {
    return to_error(e);
  }
}

std::int64_t next_sequence(Connection& c);
void insert(Connection& c, const OrderRecord& order, const PositionRecord& position);
Result<OrderRecord> find_order(Connection& c, std::string_view account, std::string_view order_id);
Result<OrderRecord> find_order_by_client_id(Connection& c, std::string_view account,
                                            std::string_view client_order_id);
Result<PositionRecord> find_position(Connection& c, std::string_view account,
                                     std::string_view position_id);
std::vector<PositionRecord> positions_in(Connection& c, std::string_view account,
                                         std::optional<PositionStatus> status,
                                         const std::optional<std::string>& symbol,
                                         std::optional<int> limit);
std::vector<OrderRecord> orders_in(Connection& c, std::string_view account,
                                   std::span<const OrderStatus> statuses,
                                   const std::optional<std::string>& symbol);
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
                                    std::string_view at, int limit);
std::vector<OrderRecord> pending_orders(Connection& c, std::string_view account,
                                        std::span<const OrderStatus> statuses,
                                        std::string_view cutoff, int limit,
                                        const std::optional<InFlightCursor>& after);
bool set_position_status(Connection& c, std::string_view position_id, PositionStatus from,
                         PositionStatus to, std::string_view at);
bool set_replaced_by(Connection& c, std::string_view account, std::string_view order_id,
                     std::string_view replacement_id);
bool set_order_fill(Connection& c, OrderStatus from, const Decimal& filled_before,
                    const OrderRecord& after);
bool set_position_fill(Connection& c, std::string_view position_id, const Decimal& size,
                       const Decimal& entry_price, std::string_view at, bool reopen);
bool insert_execution(Connection& c, const ExecutionRecord& e);
Result<ExecutionRecord> find_execution(Connection& c, std::string_view account,
                                       std::string_view exec_id);
void append_event(Connection& c, const OrderRecord& after, std::optional<OrderStatus> from,
                  std::string_view reason);
std::vector<StreamEvent> account_events(Connection& c, std::string_view account,
                                        std::int64_t after_seq, int limit);
std::vector<std::string> stream_accounts(Connection& c);
std::int64_t prune_events(Connection& c, std::span<const std::string> accounts, std::int64_t keep,
                          int limit);

}  // namespace orderstate::sqlite
