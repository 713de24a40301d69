#include "orderstate/state_machine.hpp"

#include <array>

namespace orderstate {
namespace {

struct Row {
  OrderStatus from;
  Action action;
  Transition to;
};

using S = OrderStatus;
using P = PositionStatus;
constexpr std::optional<P> kSame;

// The whole machine (the table in the header). Anything not listed is forbidden.
constexpr std::array<Row, 42> kTable{{
    {S::Open, Action::Cancel, {S::Canceled, P::Open, P::Closed}},
    {S::PartiallyFilled, Action::Cancel, {S::Canceled, kSame, kSame}},
    {S::Open, Action::PartialFill, {S::PartiallyFilled, kSame, kSame, true}},
    {S::PartiallyFilled, Action::PartialFill, {S::PartiallyFilled, kSame, kSame, true}},
    {S::Open, Action::Fill, {S::Filled, kSame, kSame, true}},
    {S::PartiallyFilled, Action::Fill, {S::Filled, kSame, kSame, true}},
    {S::Canceled, Action::LateFill, {S::Canceled, kSame, kSame, true}},
    {S::Expired, Action::LateFill, {S::Expired, kSame, kSame, true}},
    {S::Open, Action::Expire, {S::Expired, P::Open, P::Closed}},
    {S::PartiallyFilled, Action::Expire, {S::Expired, kSame, kSame}},
    {S::Open, Action::Reject, {S::Rejected, P::Open, P::Closed}},
    {S::Open, Action::Liquidate, {S::Closed, P::Open, P::Liquidated}},
    {S::PartiallyFilled, Action::Liquidate, {S::Closed, P::Open, P::Liquidated}},
    {S::Filled, Action::Liquidate, {S::Closed, P::Open, P::Liquidated}},
    {S::Canceled, Action::Liquidate, {S::Canceled, P::Open, P::Liquidated}},
    {S::Expired, Action::Liquidate, {S::Expired, P::Open, P::Liquidated}},
    // In flight (issue 15).
    {S::PendingNew, Action::Accept, {S::Open, kSame, kSame}},
    {S::PendingNew, Action::Cancel, {S::Canceled, P::Open, P::Closed}},
    {S::PendingNew, Action::PartialFill, {S::PartiallyFilled, kSame, kSame, true}},
    {S::PendingNew, Action::Fill, {S::Filled, kSame, kSame, true}},
    {S::PendingNew, Action::Expire, {S::Expired, P::Open, P::Closed}},
    {S::PendingNew, Action::Reject, {S::Rejected, P::Open, P::Closed}},
    {S::PendingNew, Action::Liquidate, {S::Closed, P::Open, P::Liquidated}},
    {S::Open, Action::RequestCancel, {S::PendingCancel, kSame, kSame}},
    {S::PartiallyFilled, Action::RequestCancel, {S::PendingCancel, kSame, kSame}},
    {S::PendingCancel, Action::Cancel, {S::Canceled, P::Open, P::Closed, false, true}},
    {S::PendingCancel, Action::CancelReject, {S::Open, kSame, kSame, false, false, true}},
    {S::PendingCancel, Action::PartialFill, {S::PendingCancel, kSame, kSame, true}},
    {S::PendingCancel, Action::Fill, {S::Filled, kSame, kSame, true}},
    {S::PendingCancel, Action::Expire, {S::Expired, P::Open, P::Closed, false, true}},
    {S::PendingCancel, Action::Liquidate, {S::Closed, P::Open, P::Liquidated}},
    {S::Open, Action::Replace, {S::Replaced, P::Open, P::Closed}},
    {S::PartiallyFilled, Action::Replace, {S::Replaced, P::Open, P::Closed}},
    {S::Open, Action::RequestReplace, {S::PendingReplace, kSame, kSame}},
    {S::PartiallyFilled, Action::RequestReplace, {S::PendingReplace, kSame, kSame}},
    {S::PendingReplace, Action::ConfirmReplace, {S::Replaced, P::Open, P::Closed}},
    {S::PendingReplace, Action::CancelReject, {S::Open, kSame, kSame, false, false, true}},
    {S::PendingReplace, Action::Cancel, {S::Canceled, P::Open, P::Closed, false, true}},
    {S::PendingReplace, Action::PartialFill, {S::PendingReplace, kSame, kSame, true}},
    {S::PendingReplace, Action::Fill, {S::Filled, kSame, kSame, true}},
    {S::PendingReplace, Action::Expire, {S::Expired, P::Open, P::Closed, false, true}},
    {S::PendingReplace, Action::Liquidate, {S::Closed, P::Open, P::Liquidated}},
}};

constexpr std::size_t kActions = std::size(kAllActions);

struct Sources {
  std::array<OrderStatus, kTable.size()> statuses{};
  std::size_t count = 0;
};

constexpr std::array<Sources, kActions> sources() {
  std::array<Sources, kActions> out{};
  for (const Row& row : kTable) {
    Sources& s = out[static_cast<std::size_t>(row.action)];
    s.statuses[s.count++] = row.from;
  }
  return out;
}

constexpr std::array<Sources, kActions> kSources = sources();

constexpr OrderStatus kShownOpen[] = {S::Open, S::PartiallyFilled, S::PendingNew, S::PendingCancel,
                                      S::PendingReplace};
constexpr OrderStatus kShownFilled[] = {S::Filled};
constexpr OrderStatus kShownCanceled[] = {S::Canceled};
constexpr OrderStatus kShownClosed[] = {S::Closed, S::Expired, S::Rejected, S::Replaced};

}  // namespace

const char* to_string(Action a) {
  switch (a) {
    case Action::Cancel:
      return "cancel";
    case Action::PartialFill:
      return "partial_fill";
    case Action::Fill:
      return "fill";
    case Action::LateFill:
      return "late_fill";
    case Action::Expire:
      return "expire";
    case Action::Reject:
      return "reject";
    case Action::Liquidate:
      return "liquidate";
    case Action::Accept:
      return "accept";
    case Action::RequestCancel:
      return "request_cancel";
    case Action::CancelReject:
      return "cancel_reject";
    case Action::Replace:
      return "replace";
    case Action::RequestReplace:
      return "request_replace";
    case Action::ConfirmReplace:
      return "confirm_replace";
  }
  return "?";
}

std::optional<Transition> next(OrderStatus from, Action action) {
  for (const Row& row : kTable) {
    if (row.from == from && row.action == action) return row.to;
  }
  return std::nullopt;
}

std::optional<Transition> next(const OrderRecord& order, Action action) {
  auto t = next(order.status, action);
  if (!t) return t;
  const bool filled = order.filled_amount.is_positive();
  if (t->resumes) t->order_to = filled ? S::PartiallyFilled : S::Open;
  if (t->only_if_unfilled && filled) t->position_from = t->position_to = std::nullopt;
  t->resumes = t->only_if_unfilled = false;
  return t;
}

bool is_in_flight(OrderStatus status) {
  return status == S::PendingNew || status == S::PendingCancel || status == S::PendingReplace;
}

std::span<const OrderStatus> allowed_from(Action action) {
  const Sources& s = kSources[static_cast<std::size_t>(action)];
  return {s.statuses.data(), s.count};
}

bool is_final(OrderStatus status) {
  for (const Row& row : kTable) {
    if (row.from == status && row.to.order_to != status) return false;
  }
  return true;
}

Decimal remaining_amount(const OrderRecord& order) {
  // Working: something other than a late fill can still fill it.
  if (!next(order.status, Action::Fill)) return Decimal();
  return Decimal::subtract(order.amount, order.filled_amount);
}

OrderStatus v1_status(OrderStatus status) {
  switch (status) {
    case S::PartiallyFilled:
    case S::PendingNew:
    case S::PendingCancel:
    case S::PendingReplace:
      return S::Open;
    case S::Expired:
    case S::Rejected:
    case S::Replaced:
      return S::Closed;
    default:
      return status;
  }
}

std::span<const OrderStatus> statuses_shown_as(OrderStatus v1) {
  switch (v1) {
    case S::Open:
      return kShownOpen;
    case S::Filled:
      return kShownFilled;
    case S::Canceled:
      return kShownCanceled;
    case S::Closed:
      return kShownClosed;
    default:
      return {};
  }
}

}  // namespace orderstate
