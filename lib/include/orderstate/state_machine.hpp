// The order state machine: the one place that decides whether an action is
// allowed on an order and what follows for the order and its position.
// Everything else asks here; nothing else compares statuses. Pure functions
// over a constant table; thread-safe.
//
//   from \ action   Cancel            Fill             Liquidate
//   OPEN            CANCELED / CLOSED FILLED / (same)  CLOSED / LIQUIDATED
//   FILLED          -                 -                CLOSED / LIQUIDATED
//   CANCELED        -                 -                -
//   CLOSED          -                 -                -
// (order status / position status; "-" is forbidden: Errc::NotOpen)
#pragma once

#include <optional>
#include <span>

#include "orderstate/order.hpp"

namespace orderstate {

enum class Action { Cancel, Fill, Liquidate };

const char* to_string(Action);

struct Transition {
  OrderStatus order_to;
  // The position's required status before, and after; nullopt: unchanged.
  std::optional<PositionStatus> position_from;
  std::optional<PositionStatus> position_to;
};

// What `action` does to an order in `from`; nullopt when it is forbidden.
std::optional<Transition> next(OrderStatus from, Action action);

// Order statuses in which `action` is allowed (for queries such as "every
// order a cancel-all may touch").
std::span<const OrderStatus> allowed_from(Action action);

// True when no action leaves `status`.
bool is_final(OrderStatus status);

}  // namespace orderstate
