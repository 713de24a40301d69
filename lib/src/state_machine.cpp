#include "orderstate/state_machine.hpp"

#include <array>

namespace orderstate {
namespace {

struct Row {
  OrderStatus from;
  Action action;
  Transition to;
};

// The whole machine. Anything not listed is forbidden.
constexpr std::array<Row, 4> kTable{{
    {OrderStatus::Open,
     Action::Cancel,
     {OrderStatus::Canceled, PositionStatus::Open, PositionStatus::Closed}},
    {OrderStatus::Open, Action::Fill, {OrderStatus::Filled, std::nullopt, std::nullopt}},
    {OrderStatus::Open,
     Action::Liquidate,
     {OrderStatus::Closed, PositionStatus::Open, PositionStatus::Liquidated}},
    {OrderStatus::Filled,
     Action::Liquidate,
     {OrderStatus::Closed, PositionStatus::Open, PositionStatus::Liquidated}},
}};

struct Sources {
  std::array<OrderStatus, kTable.size()> statuses{};
  std::size_t count = 0;
};

constexpr Sources sources_of(Action action) {
  Sources s;
  for (const Row& row : kTable) {
    if (row.action == action) s.statuses[s.count++] = row.from;
  }
  return s;
}

constexpr std::array<Sources, 3> kSources{sources_of(Action::Cancel), sources_of(Action::Fill),
                                          sources_of(Action::Liquidate)};

}  // namespace

const char* to_string(Action a) {
  switch (a) {
    case Action::Cancel:
      return "cancel";
    case Action::Fill:
      return "fill";
    case Action::Liquidate:
      return "liquidate";
  }
  return "?";
}

std::optional<Transition> next(OrderStatus from, Action action) {
  for (const Row& row : kTable) {
    if (row.from == from && row.action == action) return row.to;
  }
  return std::nullopt;
}

std::span<const OrderStatus> allowed_from(Action action) {
  const Sources& s = kSources[static_cast<std::size_t>(action)];
  return {s.statuses.data(), s.count};
}

bool is_final(OrderStatus status) {
  for (const Row& row : kTable) {
    if (row.from == status) return false;
  }
  return true;
}

}  // namespace orderstate
