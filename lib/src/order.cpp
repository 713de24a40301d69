#include "orderstate/order.hpp"

#include <array>
#include <cctype>
#include <utility>

namespace orderstate {
namespace {

template <typename E, std::size_t N>
using Names = std::array<std::pair<E, const char*>, N>;

constexpr Names<Side, 2> kSides{{{Side::Buy, "BUY"}, {Side::Sell, "SELL"}}};
constexpr Names<OrderType, 2> kTypes{{{OrderType::Market, "MARKET"}, {OrderType::Limit, "LIMIT"}}};
constexpr Names<OrderStatus, 11> kOrderStatuses{{{OrderStatus::Open, "OPEN"},
                                                 {OrderStatus::PartiallyFilled, "PARTIALLY_FILLED"},
                                                 {OrderStatus::Filled, "FILLED"},
                                                 {OrderStatus::Canceled, "CANCELED"},
                                                 {OrderStatus::Expired, "EXPIRED"},
                                                 {OrderStatus::Rejected, "REJECTED"},
                                                 {OrderStatus::Closed, "CLOSED"},
                                                 {OrderStatus::PendingNew, "PENDING_NEW"},
                                                 {OrderStatus::PendingCancel, "PENDING_CANCEL"},
                                                 {OrderStatus::Replaced, "REPLACED"},
                                                 {OrderStatus::PendingReplace, "PENDING_REPLACE"}}};
constexpr Names<TimeInForce, 5> kTimesInForce{{{TimeInForce::Gtc, "GTC"},
                                               {TimeInForce::Ioc, "IOC"},
                                               {TimeInForce::Fok, "FOK"},
                                               {TimeInForce::Day, "DAY"},
                                               {TimeInForce::Gtd, "GTD"}}};
constexpr Names<PositionStatus, 3> kPositionStatuses{{{PositionStatus::Open, "OPEN"},
                                                      {PositionStatus::Closed, "CLOSED"},
                                                      {PositionStatus::Liquidated, "LIQUIDATED"}}};
constexpr Names<ExecKind, 7> kExecKinds{{{ExecKind::Trade, "TRADE"},
                                         {ExecKind::Canceled, "CANCELED"},
                                         {ExecKind::Expired, "EXPIRED"},
                                         {ExecKind::Rejected, "REJECTED"},
                                         {ExecKind::New, "NEW"},
                                         {ExecKind::CancelRejected, "CANCEL_REJECTED"},
                                         {ExecKind::Replaced, "REPLACED"}}};

template <typename E, std::size_t N>
const char* name_of(const Names<E, N>& names, E e) {
  for (const auto& [value, name] : names) {
    if (value == e) return name;
  }
  return "?";
}

template <typename E, std::size_t N>
std::optional<E> value_of(const Names<E, N>& names, std::string_view s) {
  for (const auto& [value, name] : names) {
    if (s == name) return value;
  }
  return std::nullopt;
}

// Trimmed and upper-cased; bounded so hostile input costs nothing.
std::optional<std::string> normalize(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  const auto first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return std::string();
  s = s.substr(first, s.find_last_not_of(kSpace) - first + 1);
  if (s.size() > 16) return std::nullopt;
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

const char* to_string(Side v) {
  return name_of(kSides, v);
}
const char* to_string(OrderType v) {
  return name_of(kTypes, v);
}
const char* to_string(OrderStatus v) {
  return name_of(kOrderStatuses, v);
}
const char* to_string(PositionStatus v) {
  return name_of(kPositionStatuses, v);
}
const char* to_string(TimeInForce v) {
  return name_of(kTimesInForce, v);
}
const char* to_string(ExecKind v) {
  return name_of(kExecKinds, v);
}

std::optional<Side> parse_side(std::string_view s) {
  return value_of(kSides, s);
}
std::optional<OrderType> parse_order_type(std::string_view s) {
  return value_of(kTypes, s);
}
std::optional<OrderStatus> parse_order_status(std::string_view s) {
  return value_of(kOrderStatuses, s);
}
std::optional<PositionStatus> parse_position_status(std::string_view s) {
  return value_of(kPositionStatuses, s);
}
std::optional<TimeInForce> parse_time_in_force(std::string_view s) {
  return value_of(kTimesInForce, s);
}
std::optional<ExecKind> parse_exec_kind(std::string_view s) {
  return value_of(kExecKinds, s);
}

std::optional<Side> parse_side_input(std::string_view s) {
  const auto n = normalize(s);
  return n ? parse_side(*n) : std::nullopt;
}

std::optional<OrderType> parse_order_type_input(std::string_view s) {
  const auto n = normalize(s);
  if (!n) return std::nullopt;
  return n->empty() ? OrderType::Market : parse_order_type(*n);
}

std::optional<TimeInForce> parse_time_in_force_input(std::string_view s) {
  const auto n = normalize(s);
  if (!n) return std::nullopt;
  return n->empty() ? TimeInForce::Gtc : parse_time_in_force(*n);
}

}  // namespace orderstate
