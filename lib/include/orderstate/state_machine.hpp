// The order state machine: the one place that decides whether an action is
// allowed on an order and what follows for the order and its position.
// Everything else asks here; nothing else compares statuses. Pure functions
// over a constant table; thread-safe.
//
// clang-format off
//   Each cell: order status after / position status after ("=": the position
//   keeps its status; "-": forbidden, Errc::NotOpen).
//
//   from              Cancel        PartialFill      Fill     LateFill    Expire        Reject        Liquidate
//   OPEN              CANCELED/CLS  PART_FILLED/=    FILLED/= -           EXPIRED/CLS   REJECTED/CLS  CLOSED/LIQ
//   PARTIALLY_FILLED  CANCELED/=    PART_FILLED/=    FILLED/= -           EXPIRED/=     -             CLOSED/LIQ
//   FILLED            -             -                -        -           -             -             CLOSED/LIQ
//   CANCELED          -             -                -        CANCELED/=  -             -             CANCELED/LIQ
//   EXPIRED           -             -                -        EXPIRED/=   -             -             EXPIRED/LIQ
//   REJECTED, CLOSED, REPLACED: final, every action forbidden.
//
//   In flight (issue 15); * = CLOSED only when nothing filled, ^ = OPEN or
//   PARTIALLY_FILLED by its fills:
//   from              Accept  RequestCancel   RequestReplace   CancelReject  ConfirmReplace  Replace
//   OPEN, PART_FILLED -       PENDING_CANCEL/= PENDING_REPLACE/= -           -               REPLACED/CLS
//   PENDING_NEW       OPEN/=  -               -                -             -               -
//   PENDING_CANCEL    -       -               -                ^/=           -               -
//   PENDING_REPLACE   -       -               -                ^/=           REPLACED/CLS    -
//   PENDING_NEW also: Cancel CANCELED/CLS, PartialFill, Fill, Expire EXPIRED/CLS,
//   Reject REJECTED/CLS, Liquidate CLOSED/LIQ (as OPEN).
//   PENDING_CANCEL and PENDING_REPLACE also: Cancel CANCELED/CLS*, PartialFill
//   (stays pending), Fill FILLED/=, Expire EXPIRED/CLS*, Liquidate CLOSED/LIQ.
// clang-format on
//
// Trades (FIX ExecType F): PartialFill leaves quantity to fill, Fill fills
// the order's amount exactly, LateFill is a trade the venue reports for an
// order already CANCELED or EXPIRED here (it executed before our cancel
// reached it; FIX calls the cancel "too late"): the quantity counts, the
// status stays final. After any trade the position's size and entry price
// follow the order's fills and a CLOSED position opens again: the exposure
// is real. Cancel, Expire and Reject close the position only when nothing
// filled (the spec's cancel closes it).
//
// In flight (issue 15): an order placed with `pending` is PENDING_NEW until
// the venue answers: Accept (a NEW report) makes it OPEN, Reject REJECTED, a
// trade PARTIALLY_FILLED or FILLED. RequestCancel moves OPEN or
// PARTIALLY_FILLED to PENDING_CANCEL; Cancel (a CANCELED report, or the
// local cancel) ends it, CancelReject (the venue refused: too late, or
// unknown) resumes OPEN or PARTIALLY_FILLED, whichever its fills say, and a
// trade meanwhile counts (FILLED when it fills the order).
//
// Replace (amend, FIX 35=G): Replace moves OPEN or PARTIALLY_FILLED to
// REPLACED (final), its position CLOSED; Orders::replace inserts the order
// that replaces it in the same transaction, carrying the fills over to a
// position of its own. With `pending`, RequestReplace moves it to
// PENDING_REPLACE instead (FIX OrdStatus E) and the new order waits as
// PENDING_NEW until the venue answers: ConfirmReplace (a REPLACED report)
// makes the old REPLACED, CancelReject (the venue refused the replace)
// resumes it; trades meanwhile count on the old order, which the venue
// still works. Orders applies what follows to the new order.
//
// A CANCELED or EXPIRED order whose position is still OPEN (it filled in
// part) can have that position liquidated; the order keeps its status.
// Liquidate needs the position OPEN.
#pragma once

#include <optional>
#include <span>

#include "orderstate/order.hpp"

namespace orderstate {

enum class Action {
  Cancel,
  PartialFill,
  Fill,
  LateFill,
  Expire,
  Reject,
  Liquidate,
  Accept,
  RequestCancel,
  CancelReject,
  Replace,
  RequestReplace,
  ConfirmReplace,
};

inline constexpr Action kAllActions[] = {
    Action::Cancel,        Action::PartialFill,  Action::Fill,      Action::LateFill,
    Action::Expire,        Action::Reject,       Action::Liquidate, Action::Accept,
    Action::RequestCancel, Action::CancelReject, Action::Replace,   Action::RequestReplace,
    Action::ConfirmReplace};
inline constexpr OrderStatus kAllOrderStatuses[] = {
    OrderStatus::Open,     OrderStatus::PartiallyFilled, OrderStatus::Filled,
    OrderStatus::Canceled, OrderStatus::Expired,         OrderStatus::Rejected,
    OrderStatus::Closed,   OrderStatus::PendingNew,      OrderStatus::PendingCancel,
    OrderStatus::Replaced, OrderStatus::PendingReplace};

const char* to_string(Action);

struct Transition {
  OrderStatus order_to;
  // The position's required status before, and after; nullopt: unchanged.
  std::optional<PositionStatus> position_from;
  std::optional<PositionStatus> position_to;
  // A trade: the position's size and entry price follow the fills, and it is
  // OPEN afterwards unless LIQUIDATED.
  bool fills = false;
  // The position changes only when nothing filled (else it keeps the
  // exposure that did).
  bool only_if_unfilled = false;
  // order_to is OPEN, or PARTIALLY_FILLED when something filled.
  bool resumes = false;
};

// What `action` does to an order in `from`; nullopt when it is forbidden.
// May carry only_if_unfilled or resumes: see the overload below.
std::optional<Transition> next(OrderStatus from, Action action);
// The same for `order` as it is: only_if_unfilled and resumes resolved by
// its filled_amount.
std::optional<Transition> next(const OrderRecord& order, Action action);

// PENDING_NEW, PENDING_CANCEL and PENDING_REPLACE: waiting for the venue.
bool is_in_flight(OrderStatus status);

// Order statuses in which `action` is allowed (for queries such as "every
// order a cancel-all may touch").
std::span<const OrderStatus> allowed_from(Action action);

// True when no action moves an order out of `status` (a LateFill keeps it).
bool is_final(OrderStatus status);

// FIX LeavesQty (151): amount - filled_amount while the order can still
// trade, 0 once it is final or FILLED.
Decimal remaining_amount(const OrderRecord& order);

// The status the original service's clients (the v1 routes) know: OPEN,
// FILLED, CANCELED or CLOSED. PARTIALLY_FILLED, PENDING_NEW,
// PENDING_CANCEL and PENDING_REPLACE are still working and cancelable: OPEN. EXPIRED, REJECTED
// and REPLACED are done without a cancel: CLOSED.
OrderStatus v1_status(OrderStatus status);
// The statuses a v1 status filter means (v1_status's inverse).
std::span<const OrderStatus> statuses_shown_as(OrderStatus v1);

}  // namespace orderstate
