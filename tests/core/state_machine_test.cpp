#include "orderstate/state_machine.hpp"

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <map>
#include <optional>
#include <string>

using namespace orderstate;

namespace {

using O = OrderStatus;
using P = PositionStatus;

// The table of state_machine.hpp, written out once more by hand, one string
// per (status, action): "ORDER_TO/POSITION_FROM>POSITION_TO" with "=" for an
// unchanged position and a trailing "+fill" when the position follows the
// fills, " if unfilled" when the position changes only if nothing filled,
// " resumes" when the order goes back to OPEN or PARTIALLY_FILLED by its
// fills; "-" where the action is forbidden. Columns: Cancel, PartialFill,
// Fill, LateFill, Expire, Reject, Liquidate, Accept, RequestCancel,
// CancelReject, Replace, RequestReplace, ConfirmReplace.
const std::map<O, std::array<const char*, 13>> kTable = {
    {O::Open,
     {"CANCELED/OPEN>CLOSED", "PARTIALLY_FILLED/=+fill", "FILLED/=+fill", "-",
      "EXPIRED/OPEN>CLOSED", "REJECTED/OPEN>CLOSED", "CLOSED/OPEN>LIQUIDATED", "-",
      "PENDING_CANCEL/=", "-", "REPLACED/OPEN>CLOSED", "PENDING_REPLACE/=", "-"}},
    {O::PartiallyFilled,
     {"CANCELED/=", "PARTIALLY_FILLED/=+fill", "FILLED/=+fill", "-", "EXPIRED/=", "-",
      "CLOSED/OPEN>LIQUIDATED", "-", "PENDING_CANCEL/=", "-", "REPLACED/OPEN>CLOSED",
      "PENDING_REPLACE/=", "-"}},
    {O::Filled,
     {"-", "-", "-", "-", "-", "-", "CLOSED/OPEN>LIQUIDATED", "-", "-", "-", "-", "-", "-"}},
    {O::Canceled,
     {"-", "-", "-", "CANCELED/=+fill", "-", "-", "CANCELED/OPEN>LIQUIDATED", "-", "-", "-", "-",
      "-", "-"}},
    {O::Expired,
     {"-", "-", "-", "EXPIRED/=+fill", "-", "-", "EXPIRED/OPEN>LIQUIDATED", "-", "-", "-", "-", "-",
      "-"}},
    {O::Rejected, {"-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-"}},
    {O::Closed, {"-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-"}},
    {O::PendingNew,
     {"CANCELED/OPEN>CLOSED", "PARTIALLY_FILLED/=+fill", "FILLED/=+fill", "-",
      "EXPIRED/OPEN>CLOSED", "REJECTED/OPEN>CLOSED", "CLOSED/OPEN>LIQUIDATED", "OPEN/=", "-", "-",
      "-", "-", "-"}},
    {O::PendingCancel,
     {"CANCELED/OPEN>CLOSED if unfilled", "PENDING_CANCEL/=+fill", "FILLED/=+fill", "-",
      "EXPIRED/OPEN>CLOSED if unfilled", "-", "CLOSED/OPEN>LIQUIDATED", "-", "-", "OPEN/= resumes",
      "-", "-", "-"}},
    {O::Replaced, {"-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-"}},
    {O::PendingReplace,
     {"CANCELED/OPEN>CLOSED if unfilled", "PENDING_REPLACE/=+fill", "FILLED/=+fill", "-",
      "EXPIRED/OPEN>CLOSED if unfilled", "-", "CLOSED/OPEN>LIQUIDATED", "-", "-", "OPEN/= resumes",
      "-", "-", "REPLACED/OPEN>CLOSED"}},
};

std::string spell(const std::optional<Transition>& t) {
  if (!t) return "-";
  std::string out = std::string(to_string(t->order_to)) + "/";
  if (t->position_to) {
    out += std::string(t->position_from ? to_string(*t->position_from) : "?") + ">" +
           to_string(*t->position_to);
  } else {
    out += "=";
  }
  if (t->fills) out += "+fill";
  if (t->only_if_unfilled) out += " if unfilled";
  if (t->resumes) out += " resumes";
  return out;
}

}  // namespace

TEST_CASE("every status and action pair follows the transition table", "[state_machine]") {
  REQUIRE(kTable.size() == std::size(kAllOrderStatuses));
  for (OrderStatus from : kAllOrderStatuses) {
    for (std::size_t a = 0; a < std::size(kAllActions); ++a) {
      INFO(to_string(from) << " x " << to_string(kAllActions[a]));
      CHECK(spell(next(from, kAllActions[a])) == kTable.at(from)[a]);
    }
  }
}

TEST_CASE("a resolved transition follows the order's fills", "[state_machine]") {
  OrderRecord o;
  o.status = O::PendingCancel;
  o.amount = *Decimal::parse("1");
  const auto reject_unfilled = next(o, Action::CancelReject).value();
  CHECK(reject_unfilled.order_to == O::Open);
  const auto cancel_unfilled = next(o, Action::Cancel).value();
  CHECK(cancel_unfilled.position_to == P::Closed);
  o.filled_amount = *Decimal::parse("0.5");
  CHECK(next(o, Action::CancelReject)->order_to == O::PartiallyFilled);
  CHECK_FALSE(next(o, Action::Cancel)->position_to);  // the filled exposure stays open
  CHECK_FALSE(next(o, Action::Expire)->position_to);
  CHECK_FALSE(next(o, Action::Accept));
}

TEST_CASE("final statuses are those no action leaves", "[state_machine]") {
  for (O s : {O::Open, O::PartiallyFilled, O::Filled, O::PendingNew, O::PendingCancel,
              O::PendingReplace}) {
    CHECK_FALSE(is_final(s));
  }
  for (O s : {O::Canceled, O::Expired, O::Rejected, O::Closed, O::Replaced}) CHECK(is_final(s));
}

TEST_CASE("remaining amount is amount minus filled while working, else zero", "[state_machine]") {
  OrderRecord o;
  o.amount = *Decimal::parse("0.010");
  o.filled_amount = *Decimal::parse("0.004");
  for (O s : kAllOrderStatuses) {
    INFO(to_string(s));
    o.status = s;
    const bool working = s == O::Open || s == O::PartiallyFilled || s == O::PendingNew ||
                         s == O::PendingCancel || s == O::PendingReplace;
    CHECK(remaining_amount(o).text() == (working ? "0.006" : "0"));
  }
}

TEST_CASE("v1 shows partially filled as OPEN and expired or rejected as CLOSED",
          "[state_machine]") {
  const std::map<O, O> shown = {
      {O::Open, O::Open},         {O::PartiallyFilled, O::Open}, {O::Filled, O::Filled},
      {O::Canceled, O::Canceled}, {O::Expired, O::Closed},       {O::Rejected, O::Closed},
      {O::Closed, O::Closed},     {O::PendingNew, O::Open},      {O::PendingCancel, O::Open},
      {O::Replaced, O::Closed},   {O::PendingReplace, O::Open}};
  for (O s : kAllOrderStatuses) {
    INFO(to_string(s));
    CHECK(v1_status(s) == shown.at(s));
    const auto back = statuses_shown_as(v1_status(s));
    CHECK(std::find(back.begin(), back.end(), s) != back.end());
  }
  CHECK(statuses_shown_as(O::PartiallyFilled).empty());
}

TEST_CASE("allowed_from lists exactly the statuses the table allows", "[state_machine]") {
  for (Action action : kAllActions) {
    INFO(to_string(action));
    const auto allowed = allowed_from(action);
    for (OrderStatus s : kAllOrderStatuses) {
      const bool listed = std::find(allowed.begin(), allowed.end(), s) != allowed.end();
      CHECK(listed == next(s, action).has_value());
    }
  }
}

TEST_CASE("enum names round-trip exactly and only in upper case", "[order]") {
  for (OrderStatus s : kAllOrderStatuses) CHECK(parse_order_status(to_string(s)) == s);
  for (auto t :
       {TimeInForce::Gtc, TimeInForce::Ioc, TimeInForce::Fok, TimeInForce::Day, TimeInForce::Gtd}) {
    CHECK(parse_time_in_force(to_string(t)) == t);
  }
  for (auto k : {ExecKind::Trade, ExecKind::Canceled, ExecKind::Expired, ExecKind::Rejected,
                 ExecKind::New, ExecKind::CancelRejected, ExecKind::Replaced}) {
    CHECK(parse_exec_kind(to_string(k)) == k);
  }
  CHECK(std::string(to_string(OrderStatus::PartiallyFilled)) == "PARTIALLY_FILLED");
  for (auto s : {PositionStatus::Open, PositionStatus::Closed, PositionStatus::Liquidated}) {
    CHECK(parse_position_status(to_string(s)) == s);
  }
  CHECK(std::string(to_string(OrderStatus::Canceled)) == "CANCELED");
  CHECK(std::string(to_string(PositionStatus::Liquidated)) == "LIQUIDATED");
  CHECK_FALSE(parse_order_status("open"));
  CHECK_FALSE(parse_order_status("CANCELLED"));
}

TEST_CASE("client side and type are trimmed and any case, empty type is MARKET", "[order]") {
  CHECK(parse_side_input(" buy ") == Side::Buy);
  CHECK(parse_side_input("Sell") == Side::Sell);
  CHECK_FALSE(parse_side_input(""));
  CHECK_FALSE(parse_side_input("HOLD"));
  CHECK(parse_order_type_input("") == OrderType::Market);
  CHECK(parse_order_type_input("  ") == OrderType::Market);
  CHECK(parse_order_type_input("limit\t") == OrderType::Limit);
  CHECK_FALSE(parse_order_type_input("STOP"));
}
