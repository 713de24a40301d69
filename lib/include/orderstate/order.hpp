// The records orderstate keeps: OrderRecord, PositionRecord and OrderEvent,
// with their enums. to_string/parse here are the only place the wire names
// ("OPEN", "BUY", ...) are spelled. Plain values; thread-compatible.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "orderstate/decimal.hpp"

namespace orderstate {

enum class Side { Buy, Sell };
enum class OrderType { Market, Limit };
// FIX OrdStatus (39): OPEN is New (0), PARTIALLY_FILLED 1, FILLED 2,
// CANCELED 4, REJECTED 8, EXPIRED C, PENDING_NEW A (stored before it is sent
// to the venue), PENDING_CANCEL 6 (a cancel was asked of the venue),
// PENDING_REPLACE E (a replace was asked of the venue). CLOSED
// is the original service's: the order of a liquidated position. What may
// follow what: state_machine.hpp.
enum class OrderStatus {
  Open,
  PartiallyFilled,
  Filled,
  Canceled,
  Expired,
  Rejected,
  Closed,
  PendingNew,
  PendingCancel,
  Replaced,  // FIX 5: replaced by another order (replaced_by); final
  PendingReplace,
};
enum class PositionStatus { Open, Closed, Liquidated };
// FIX TimeInForce (59): GTC 1, IOC 3, FOK 4, DAY 0, GTD 6 (with ExpireTime 126).
enum class TimeInForce { Gtc, Ioc, Fok, Day, Gtd };

const char* to_string(Side);
const char* to_string(OrderType);
const char* to_string(OrderStatus);
const char* to_string(PositionStatus);
const char* to_string(TimeInForce);

// Exact, upper-case names only ("OPEN"); for stored values and filters.
std::optional<Side> parse_side(std::string_view);
std::optional<OrderType> parse_order_type(std::string_view);
std::optional<OrderStatus> parse_order_status(std::string_view);
std::optional<PositionStatus> parse_position_status(std::string_view);
std::optional<TimeInForce> parse_time_in_force(std::string_view);

// Lenient forms for client input, as the original service accepts them:
// surrounding whitespace trimmed, any case; an empty type means Market.
std::optional<Side> parse_side_input(std::string_view);
std::optional<OrderType> parse_order_type_input(std::string_view);
// An empty time in force means GTC.
std::optional<TimeInForce> parse_time_in_force_input(std::string_view);

// Quantities and prices are exact decimals (decimal.hpp) in the instrument's
// units as the client wrote them; times are RFC 3339 UTC.
struct OrderRecord {
  std::string order_id;
  std::string position_id;
  std::string account_id;
  std::optional<std::string> client_order_id;
  std::string exchange;
  std::string symbol;
  Side side = Side::Buy;
  OrderType type = OrderType::Market;
  Decimal amount;  // FIX OrderQty (38)
  Decimal price;   // FIX Price (44); "0" for a MARKET order placed without one
  OrderStatus status = OrderStatus::Open;
  std::string created_at;
  std::string updated_at;
  TimeInForce time_in_force = TimeInForce::Gtc;
  std::optional<std::string> expire_at;  // FIX ExpireTime (126): GTD only
  // Executions so far. filled_amount is FIX CumQty (14), the sum of the
  // trades' last_amount; filled_notional the sum of last_amount x last_price
  // (exact, so the average never drifts); average_fill_price FIX AvgPx (6):
  // filled_notional / filled_amount rounded half-even to (the largest scale
  // of any trade's price) + 8 digits. Absent until the first trade.
  // LeavesQty (151): remaining_amount() in state_machine.hpp.
  Decimal filled_amount;
  Decimal filled_notional;
  std::optional<Decimal> average_fill_price;
  // When the order entered PENDING_NEW or PENDING_CANCEL (its intent's age,
  // for reconciliation); absent in any other status.
  std::optional<std::string> pending_since;
  // A replace chain (Orders::replace): the order this one replaced, and the
  // one that replaced it.
  std::optional<std::string> replaces;
  std::optional<std::string> replaced_by;

  friend bool operator==(const OrderRecord&, const OrderRecord&) = default;
};

struct PositionRecord {
  std::string position_id;
  std::string order_id;
  std::string account_id;
  std::string exchange;
  std::string symbol;
  Side side = Side::Buy;
  // The order's amount and price until its first trade; from then on its
  // filled_amount and average_fill_price (the exposure that is real).
  Decimal size;
  Decimal entry_price;
  PositionStatus status = PositionStatus::Open;
  std::string opened_at;
  std::string updated_at;

  friend bool operator==(const PositionRecord&, const PositionRecord&) = default;
};

// FIX ExecType (150) of an execution report: TRADE is F, CANCELED 4,
// EXPIRED C, REJECTED 8, NEW 0 (the venue accepted the order).
// CANCEL_REJECTED is FIX's OrderCancelReject (35=9): the venue refused a
// cancel or a replace (too late, or unknown). REPLACED is 5: the venue
// applied a replace asked with `pending`.
enum class ExecKind { Trade, Canceled, Expired, Rejected, New, CancelRejected, Replaced };
const char* to_string(ExecKind);
std::optional<ExecKind> parse_exec_kind(std::string_view);

// An execution report as recorded, once per (account_id, exec_id). For a
// TRADE, last_amount (FIX LastQty 32) and last_price (FIX LastPx 31) are
// the trade's; for the other kinds both are "0". `at` is the venue's time
// when the report gave one (FIX TransactTime 60), else empty.
struct ExecutionRecord {
  std::string account_id;
  std::string exec_id;  // FIX ExecID (17): the venue's id, unique per account
  std::string order_id;
  ExecKind kind = ExecKind::Trade;
  Decimal last_amount;
  Decimal last_price;
  std::string at;

  friend bool operator==(const ExecutionRecord&, const ExecutionRecord&) = default;
};

// One line of an order's journal. `from` is empty for the placement.
struct OrderEvent {
  std::string order_id;
  std::optional<OrderStatus> from;
  OrderStatus to = OrderStatus::Open;
  std::string at;
  // "place", "cancel", "cancel_all", "trade", "late_fill", "expire", "reject",
  // "liquidate", "liquidate_all".
  std::string reason;

  friend bool operator==(const OrderEvent&, const OrderEvent&) = default;
};

// One line of an account's journal read as a stream (issue 16).
struct StreamEvent {
  // Per account: 1, 2, 3, ... in commit order, no gap, never reused (counted
  // inside the transaction that journaled the event).
  std::int64_t seq = 0;
  OrderEvent event;
  // The order as it was right after the event: status event.to, updated_at
  // event.at, filled_amount / average_fill_price as they were then; its other
  // fields never change after place, except pending_since and replaced_by,
  // which are as stored now. For an event
  // journaled before schema version 5 its fills were not recorded:
  // fills_known is false and the two are the order's current ones.
  OrderRecord order;
  bool fills_known = true;
};

}  // namespace orderstate
