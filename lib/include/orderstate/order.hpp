// The records orderstate keeps: OrderRecord, PositionRecord and OrderEvent,
// with their enums. to_string/parse here are the only place the wire names
// ("OPEN", "BUY", ...) are spelled. Plain values; thread-compatible.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace orderstate {

enum class Side { Buy, Sell };
enum class OrderType { Market, Limit };
enum class OrderStatus { Open, Filled, Canceled, Closed };
enum class PositionStatus { Open, Closed, Liquidated };

const char* to_string(Side);
const char* to_string(OrderType);
const char* to_string(OrderStatus);
const char* to_string(PositionStatus);

// Exact, upper-case names only ("OPEN"); for stored values and filters.
std::optional<Side> parse_side(std::string_view);
std::optional<OrderType> parse_order_type(std::string_view);
std::optional<OrderStatus> parse_order_status(std::string_view);
std::optional<PositionStatus> parse_position_status(std::string_view);

// Lenient forms for client input, as the original service accepts them:
// surrounding whitespace trimmed, any case; an empty type means Market.
std::optional<Side> parse_side_input(std::string_view);
std::optional<OrderType> parse_order_type_input(std::string_view);

// Decimals are exact decimal text (see decimal.hpp); times are RFC 3339 UTC.
struct OrderRecord {
  std::string order_id;
  std::string position_id;
  std::string account_id;
  std::optional<std::string> client_order_id;
  std::string exchange;
  std::string symbol;
  Side side = Side::Buy;
  OrderType type = OrderType::Market;
  std::string amount;
  std::string price;
  OrderStatus status = OrderStatus::Open;
  std::string created_at;
  std::string updated_at;

  friend bool operator==(const OrderRecord&, const OrderRecord&) = default;
};

struct PositionRecord {
  std::string position_id;
  std::string order_id;
  std::string account_id;
  std::string exchange;
  std::string symbol;
  Side side = Side::Buy;
  std::string size;
  std::string entry_price;
  PositionStatus status = PositionStatus::Open;
  std::string opened_at;
  std::string updated_at;

  friend bool operator==(const PositionRecord&, const PositionRecord&) = default;
};

// One line of an order's journal. `from` is empty for the placement.
struct OrderEvent {
  std::string order_id;
  std::optional<OrderStatus> from;
  OrderStatus to = OrderStatus::Open;
  std::string at;
  std::string reason;  // "place", "cancel", "cancel_all", "fill", "liquidate", ...

  friend bool operator==(const OrderEvent&, const OrderEvent&) = default;
};

}  // namespace orderstate
