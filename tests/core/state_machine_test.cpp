#include "orderstate/state_machine.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <optional>
#include <tuple>

using namespace orderstate;

namespace {

using Expected = std::optional<std::tuple<OrderStatus, std::optional<PositionStatus>>>;

// The table as the issue states it, written out once more by hand.
Expected expected(OrderStatus from, Action action) {
  using O = OrderStatus;
  using P = PositionStatus;
  if (from == O::Open && action == Action::Cancel) return {{O::Canceled, P::Closed}};
  if (from == O::Open && action == Action::Fill) return {{O::Filled, std::nullopt}};
  if ((from == O::Open || from == O::Filled) && action == Action::Liquidate) {
    return {{O::Closed, P::Liquidated}};
  }
  return std::nullopt;
}

constexpr OrderStatus kStatuses[] = {OrderStatus::Open, OrderStatus::Filled, OrderStatus::Canceled,
                                     OrderStatus::Closed};
constexpr Action kActions[] = {Action::Cancel, Action::Fill, Action::Liquidate};

}  // namespace

TEST_CASE("every status and action pair follows the transition table", "[state_machine]") {
  for (OrderStatus from : kStatuses) {
    for (Action action : kActions) {
      INFO(to_string(from) << " x " << to_string(action));
      const auto got = next(from, action);
      const auto want = expected(from, action);
      REQUIRE(got.has_value() == want.has_value());
      if (!got) continue;
      CHECK(got->order_to == std::get<0>(*want));
      CHECK(got->position_to == std::get<1>(*want));
      // A position change always starts from an OPEN position.
      if (got->position_to) CHECK(got->position_from == PositionStatus::Open);
    }
  }
}

TEST_CASE("canceled and closed are final, open and filled are not", "[state_machine]") {
  CHECK_FALSE(is_final(OrderStatus::Open));
  CHECK_FALSE(is_final(OrderStatus::Filled));
  CHECK(is_final(OrderStatus::Canceled));
  CHECK(is_final(OrderStatus::Closed));
}

TEST_CASE("allowed_from lists exactly the statuses the table allows", "[state_machine]") {
  for (Action action : kActions) {
    INFO(to_string(action));
    const auto allowed = allowed_from(action);
    for (OrderStatus s : kStatuses) {
      const bool listed = std::find(allowed.begin(), allowed.end(), s) != allowed.end();
      CHECK(listed == next(s, action).has_value());
    }
  }
}

TEST_CASE("enum names round-trip exactly and only in upper case", "[order]") {
  for (OrderStatus s : kStatuses) CHECK(parse_order_status(to_string(s)) == s);
  for (auto s : {PositionStatus::Open, PositionStatus::Closed, PositionStatus::Liquidated}) {
    CHECK(parse_position_status(to_string(s)) == s);
  }
  CHECK(std::string(to_string(OrderStatus::Canceled)) == "CANCELED");
  CHECK(std::string(to_string(PositionStatus::Liquidated)) == "LIQUIDATED");
  CHECK_FALSE(parse_order_status("open"));
  CHECK_FALSE(parse_order_status("CANCELLED"));
}

TEST_CASE("client side and type are trimmed and any case; empty type is MARKET", "[order]") {
  CHECK(parse_side_input(" buy ") == Side::Buy);
  CHECK(parse_side_input("Sell") == Side::Sell);
  CHECK_FALSE(parse_side_input(""));
  CHECK_FALSE(parse_side_input("HOLD"));
  CHECK(parse_order_type_input("") == OrderType::Market);
  CHECK(parse_order_type_input("  ") == OrderType::Market);
  CHECK(parse_order_type_input("limit\t") == OrderType::Limit);
  CHECK_FALSE(parse_order_type_input("STOP"));
}
