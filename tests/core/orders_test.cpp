#include <catch2/catch.hpp>

#include "fixtures.hpp"
#include "orderstate/state_machine.hpp"

using namespace orderstate;
using orderstate::testing::dec;
using orderstate::testing::limit_buy;
using orderstate::testing::Service;

namespace {

std::string place_id(Service& s, const std::string& account = "acct",
                     PlaceRequest r = limit_buy()) {
  auto placed = s.orders.place(account, r);
  REQUIRE(placed.ok());
  return placed->order.order_id;
}

std::string events_string(const std::vector<OrderEvent>& events) {
  std::string out;
  for (const auto& e : events) {
    out += (e.from ? to_string(*e.from) : std::string("-")) + ">" + to_string(e.to) + "@" + e.at +
           ":" + e.reason + ";";
  }
  return out;
}

}  // namespace

TEST_CASE("placing an order opens it and its position with exact fields", "[orders]") {
  Service s;
  auto placed = s.orders.place("acct", limit_buy());
  REQUIRE(placed.ok());
  CHECK_FALSE(placed->replayed);
  const OrderRecord want{"ord-20260303120000-1",
                         "pos-20260303120000-1",
                         "acct",
                         std::nullopt,
                         "binance",
                         "BTC/USDT",
                         Side::Buy,
                         OrderType::Limit,
                         dec("0.01"),
                         dec("50000.00"),
                         OrderStatus::Open,
                         "2026-03-03T12:00:00Z",
                         "2026-03-03T12:00:00Z",
                         TimeInForce::Gtc,
                         std::nullopt,
                         dec("0"),
                         dec("0"),
                         std::nullopt,
                         std::nullopt,
                         std::nullopt,
                         std::nullopt};
  CHECK(placed->order == want);
  const PositionRecord want_pos{"pos-20260303120000-1",
                                "ord-20260303120000-1",
                                "acct",
                                "binance",
                                "BTC/USDT",
                                Side::Buy,
                                dec("0.01"),
                                dec("50000.00"),
                                PositionStatus::Open,
                                "2026-03-03T12:00:00Z",
                                "2026-03-03T12:00:00Z"};
  CHECK(placed->position == want_pos);
  CHECK(s.orders.get_order("acct", want.order_id).value() == want);
  CHECK(s.orders.get_position("acct", want.position_id).value() == want_pos);
}

TEST_CASE("cancel of an open order closes its position and journals the event", "[orders]") {
  Service s;
  const auto id = place_id(s);
  s.clock.advance(300);
  auto canceled = s.orders.cancel("acct", id);
  REQUIRE(canceled.ok());
  CHECK(canceled->status == OrderStatus::Canceled);
  CHECK(canceled->updated_at == "2026-03-03T12:05:00Z");
  CHECK(canceled->created_at == "2026-03-03T12:00:00Z");
  CHECK(s.orders.get_order("acct", id).value() == canceled.value());
  auto pos = s.orders.get_position("acct", canceled->position_id);
  CHECK(pos->status == PositionStatus::Closed);
  CHECK(pos->updated_at == "2026-03-03T12:05:00Z");
  CHECK(events_string(s.orders.history("acct", id).value()) ==
        "->OPEN@2026-03-03T12:00:00Z:place;OPEN>CANCELED@2026-03-03T12:05:00Z:cancel;");
}

TEST_CASE("a cancel that is refused changes nothing", "[orders]") {
  Service s;
  const auto id = place_id(s);
  REQUIRE(s.orders.cancel("acct", id).ok());
  const auto before = s.orders.get_order("acct", id).value();
  const auto events_before = s.orders.history("acct", id).value();
  s.clock.advance(60);

  SECTION("a second cancel of one order is NotOpen") {
    auto again = s.orders.cancel("acct", id);
    REQUIRE_FALSE(again.ok());
    CHECK(again.code() == Errc::NotOpen);
    CHECK(again.error().message == "order is not open");
  }
  SECTION("a fill after cancel is NotOpen") {
    CHECK(s.orders.fill("acct", id).code() == Errc::NotOpen);
  }
  SECTION("liquidating a canceled order's position is NotOpen") {
    CHECK(s.orders.liquidate("acct", before.position_id).code() == Errc::NotOpen);
  }
  CHECK(s.orders.get_order("acct", id).value() == before);
  CHECK(s.orders.history("acct", id).value() == events_before);
}

TEST_CASE("fill then cancel is NotOpen and the position stays open", "[orders]") {
  Service s;
  const auto id = place_id(s);
  auto filled = s.orders.fill("acct", id, std::string("49999.5"));
  REQUIRE(filled.ok());
  CHECK(filled->status == OrderStatus::Filled);
  CHECK(s.orders.cancel("acct", id).code() == Errc::NotOpen);
  auto pos = s.orders.get_position("acct", filled->position_id).value();
  CHECK(pos.status == PositionStatus::Open);
  CHECK(pos.entry_price == "49999.500000000");  // the average: price scale + 8 digits
  CHECK(s.orders.get_order("acct", id)->status == OrderStatus::Filled);
}

TEST_CASE("liquidate then cancel is NotOpen", "[orders]") {
  Service s;
  const auto id = place_id(s);
  auto pos = s.orders.liquidate("acct", "pos-20260303120000-1");
  REQUIRE(pos.ok());
  CHECK(pos->status == PositionStatus::Liquidated);
  CHECK(s.orders.get_order("acct", id)->status == OrderStatus::Closed);
  CHECK(s.orders.cancel("acct", id).code() == Errc::NotOpen);
  CHECK(s.orders.liquidate("acct", "pos-20260303120000-1").code() == Errc::NotOpen);
  CHECK(events_string(s.orders.history("acct", id).value()) ==
        "->OPEN@2026-03-03T12:00:00Z:place;OPEN>CLOSED@2026-03-03T12:00:00Z:liquidate;");
}

TEST_CASE("a filled order's position can be liquidated", "[orders]") {
  Service s;
  const auto id = place_id(s);
  REQUIRE(s.orders.fill("acct", id).ok());
  REQUIRE(s.orders.liquidate("acct", "pos-20260303120000-1").ok());
  CHECK(s.orders.get_order("acct", id)->status == OrderStatus::Closed);
}

TEST_CASE("unknown and other accounts' orders are NotFound", "[orders]") {
  Service s;
  const auto id = place_id(s, "alice");
  CHECK(s.orders.cancel("alice", "ord-20260303120000-99").code() == Errc::NotFound);
  CHECK(s.orders.cancel("alice", "ord-20990101000000-1").code() == Errc::NotFound);
  CHECK(s.orders.cancel("bob", id).code() == Errc::NotFound);
  CHECK(s.orders.get_order("bob", id).code() == Errc::NotFound);
  CHECK(s.orders.history("bob", id).code() == Errc::NotFound);
  CHECK(s.orders.get_position("bob", "pos-20260303120000-1").code() == Errc::NotFound);
  CHECK(s.orders.liquidate("bob", "pos-20260303120000-1").code() == Errc::NotFound);
  CHECK(s.orders.cancel_all("bob", std::nullopt)->empty());
  CHECK(s.orders.get_order("alice", id)->status == OrderStatus::Open);
}

TEST_CASE("malformed ids are InvalidArgument", "[orders]") {
  Service s;
  CHECK(s.orders.cancel("acct", "ord-1").code() == Errc::InvalidArgument);
  CHECK(s.orders.cancel("acct", "pos-20260303120000-1").code() == Errc::InvalidArgument);
  CHECK(s.orders.liquidate("acct", "ord-20260303120000-1").code() == Errc::InvalidArgument);
  CHECK(s.orders.cancel("", "ord-20260303120000-1").code() == Errc::InvalidArgument);
}

// PostgreSQL's client library takes C strings: "a\0b" would have been
// stored as account "a". Refused on every backend, nothing written.
TEST_CASE("an account holding a NUL byte is InvalidArgument and nothing is written", "[orders]") {
  Service s;
  const std::string nul("a\0b", 3);
  const auto placed = s.orders.place(nul, limit_buy());
  REQUIRE(placed.code() == Errc::InvalidArgument);
  CHECK(placed.error().message == "account must not contain a NUL byte");
  CHECK(s.orders.events_since(nul, 0).code() == Errc::InvalidArgument);
  CHECK(s.orders.list_orders("a", {})->orders.empty());
  CHECK(s.orders.events_since("a", 0)->events.empty());
}

TEST_CASE("place validates its input with the original's messages", "[orders]") {
  Service s;
  struct Row {
    PlaceRequest request;
    const char* message;
  };
  const Row rows[] = {
      {limit_buy("0"), kAmountNotPositive},
      {limit_buy("-1"), kAmountNotPositive},
      {limit_buy("0.000"), kAmountNotPositive},
      {limit_buy("abc"), "amount must be a decimal number"},
      {limit_buy("1e3"), "amount must be a decimal number"},
      {limit_buy("1", "0"), kLimitPriceNotPositive},
      {limit_buy("1", ""), kLimitPriceNotPositive},
      {limit_buy("1", "-5"), kLimitPriceNotPositive},
      {limit_buy("1", "5,0"), "price must be a decimal number"},
      {{"binance", "BTC/USDT", "HOLD", "LIMIT", "1", "1", {}}, kBadSide},
      {{"binance", "BTC/USDT", "", "LIMIT", "1", "1", {}}, kBadSide},
      {{"binance", "BTC/USDT", "BUY", "STOP", "1", "1", {}}, kBadType},
      {{"binance", "BTC/USDT", "BUY", "MARKET", "1", "-1", {}}, "price must not be negative"},
      {{"", "BTC/USDT", "BUY", "MARKET", "1", "", {}},
       "exchange must be 1 to 64 bytes of printable text"},
      {{"binance", "   ", "BUY", "MARKET", "1", "", {}},
       "symbol must be 1 to 64 bytes of printable text"},
      {{"binance", "BTC\nUSDT", "BUY", "MARKET", "1", "", {}},
       "symbol must be 1 to 64 bytes of printable text"},
      {{"binance", std::string(65, 'X'), "BUY", "MARKET", "1", "", {}},
       "symbol must be 1 to 64 bytes of printable text"},
      {{"binance", "BTC", "BUY", "MARKET", "1", "", std::string()},
       "client_order_id must be 1 to 64 bytes of printable text"},
      // Code points nobody sees: C1 controls (U+0085), format characters
      // (U+200B, U+202E, U+FEFF, U+00AD, U+E0041) and U+2028.
      {{"bin\u0085ance", "BTC", "BUY", "MARKET", "1", "", {}},
       "exchange must be 1 to 64 bytes of printable text"},
      {{"binance", "BTC\u2028USDT", "BUY", "MARKET", "1", "", {}},
       "symbol must be 1 to 64 bytes of printable text"},
      {{"binance", "BTC\u200B", "BUY", "MARKET", "1", "", {}},
       "symbol must be 1 to 64 bytes of printable text"},
      {{"binance", "\u202EBTC", "BUY", "MARKET", "1", "", {}},
       "symbol must be 1 to 64 bytes of printable text"},
      {{"binance", "BTC", "BUY", "MARKET", "1", "", "\uFEFFc-1"},
       "client_order_id must be 1 to 64 bytes of printable text"},
      {{"binance", "BT\u00ADC", "BUY", "MARKET", "1", "", {}},
       "symbol must be 1 to 64 bytes of printable text"},
      {{"binance", "BTC\U000E0041", "BUY", "MARKET", "1", "", {}},
       "symbol must be 1 to 64 bytes of printable text"},
  };
  for (const Row& row : rows) {
    INFO(row.message << " / amount=" << row.request.amount << " price=" << row.request.price);
    auto placed = s.orders.place("acct", row.request);
    REQUIRE_FALSE(placed.ok());
    CHECK(placed.code() == Errc::InvalidArgument);
    CHECK(placed.error().message == row.message);
  }
  CHECK(s.orders.list_orders("acct", {})->orders.empty());  // nothing was written
}

TEST_CASE("visible non-ASCII text is kept as written", "[orders]") {
  Service s;
  auto placed = s.orders.place("acct", {"bïnance", "ÉTH/€", "BUY", "MARKET", "1", "", "日本-1"});
  REQUIRE(placed.ok());
  CHECK(placed->order.exchange == "bïnance");
  CHECK(placed->order.symbol == "ÉTH/€");
  CHECK(placed->order.client_order_id == "日本-1");
}

TEST_CASE("side and type are normalized, a market order without price reads 0", "[orders]") {
  Service s;
  auto placed = s.orders.place("acct", {"kraken", "eth/usd", " sell ", "", "2.50", "", {}});
  REQUIRE(placed.ok());
  CHECK(placed->order.side == Side::Sell);
  CHECK(placed->order.type == OrderType::Market);
  CHECK(placed->order.price == "0");
  CHECK(placed->order.amount == "2.50");
  CHECK(placed->position.entry_price == "0");
  CHECK(placed->order.symbol == "eth/usd");
}

TEST_CASE("placing with a used client_order_id returns the existing order", "[orders]") {
  Service s;
  PlaceRequest r = limit_buy();
  r.client_order_id = "my-1";
  auto first = s.orders.place("acct", r);
  REQUIRE(first.ok());
  s.clock.advance(10);
  auto retry = s.orders.place("acct", r);
  REQUIRE(retry.ok());
  CHECK(retry->replayed);
  CHECK(retry->order == first->order);
  CHECK(retry->position == first->position);
  CHECK(s.orders.list_orders("acct", {})->orders.size() == 1);
  // Another account may use the same client id.
  auto other = s.orders.place("other", r);
  REQUIRE(other.ok());
  CHECK_FALSE(other->replayed);
  CHECK(other->order.order_id == "ord-20260303120010-2");
}

TEST_CASE("cancel_all cancels every open order of the account, optionally of one symbol",
          "[orders]") {
  Service s;
  const auto a = place_id(s);
  const auto b = place_id(s, "acct", {"binance", "ETH/USDT", "SELL", "MARKET", "1", "", {}});
  const auto c = place_id(s);
  const auto filled = place_id(s);
  REQUIRE(s.orders.fill("acct", filled).ok());
  const auto foreign = place_id(s, "other");

  auto eth = s.orders.cancel_all("acct", std::string("eth/usdt"));
  REQUIRE(eth.ok());
  REQUIRE(eth->size() == 1);
  CHECK((*eth)[0].order_id == b);

  auto rest = s.orders.cancel_all("acct", std::nullopt);
  REQUIRE(rest.ok());
  REQUIRE(rest->size() == 2);
  CHECK((*rest)[0].order_id == a);
  CHECK((*rest)[1].order_id == c);
  CHECK((*rest)[1].status == OrderStatus::Canceled);
  CHECK(s.orders.get_order("acct", filled)->status == OrderStatus::Filled);
  CHECK(s.orders.get_order("other", foreign)->status == OrderStatus::Open);
  CHECK(s.orders.get_position("acct", (*rest)[0].position_id)->status == PositionStatus::Closed);
  CHECK(s.orders.cancel_all("acct", std::nullopt)->empty());
  CHECK(s.orders.history("acct", a)->back().reason == "cancel_all");
}

TEST_CASE("liquidate by symbol takes the oldest open position, any case", "[orders]") {
  Service s;
  place_id(s);
  place_id(s);
  auto first = s.orders.liquidate_symbol("acct", "btc/usdt");
  REQUIRE(first.ok());
  CHECK(first->position_id == "pos-20260303120000-1");
  CHECK(first->status == PositionStatus::Liquidated);
  CHECK(s.orders.liquidate_symbol("acct", "BTC/USDT")->position_id == "pos-20260303120000-2");
  CHECK(s.orders.liquidate_symbol("acct", "BTC/USDT").code() == Errc::NotFound);
  CHECK(s.orders.liquidate_symbol("other", "BTC/USDT").code() == Errc::NotFound);
}

TEST_CASE("liquidate_all closes every open position in one go", "[orders]") {
  Service s;
  place_id(s);
  const auto filled = place_id(s, "acct", {"binance", "ETH/USDT", "SELL", "MARKET", "1", "", {}});
  CHECK(s.orders.fill("acct", filled).code() == Errc::InvalidArgument);  // no price to fill at
  REQUIRE(s.orders.fill("acct", filled, std::string("3000")).ok());
  const auto canceled = place_id(s);
  REQUIRE(s.orders.cancel("acct", canceled).ok());
  auto all = s.orders.liquidate_all("acct", std::nullopt);
  REQUIRE(all.ok());
  REQUIRE(all->size() == 2);
  CHECK((*all)[0].status == PositionStatus::Liquidated);
  CHECK((*all)[1].order_id == filled);
  CHECK(s.orders.get_order("acct", filled)->status == OrderStatus::Closed);
  CHECK(s.orders.get_order("acct", canceled)->status == OrderStatus::Canceled);
  auto positions = s.orders.list_positions("acct", PositionStatus::Open);
  CHECK(positions->empty());
  CHECK(s.orders.list_positions("acct", std::nullopt)->size() == 3);
}

TEST_CASE("orders list newest first with a stable cursor and filters", "[orders]") {
  Service s;
  for (int i = 0; i < 5; ++i) place_id(s);
  REQUIRE(s.orders.cancel("acct", "ord-20260303120000-2").ok());
  place_id(s, "other");

  auto page1 = s.orders.list_orders("acct", {{}, std::nullopt, 2, std::nullopt});
  REQUIRE(page1.ok());
  REQUIRE(page1->orders.size() == 2);
  CHECK(page1->orders[0].order_id == "ord-20260303120000-5");
  CHECK(page1->orders[1].order_id == "ord-20260303120000-4");
  REQUIRE(page1->next_cursor == "ord-20260303120000-4");
  place_id(s);  // a newer order does not shift the next page
  auto page2 = s.orders.list_orders("acct", {{}, std::nullopt, 2, page1->next_cursor});
  CHECK(page2->orders[0].order_id == "ord-20260303120000-3");
  CHECK(page2->orders[1].order_id == "ord-20260303120000-2");
  auto page3 = s.orders.list_orders("acct", {{}, std::nullopt, 2, page2->next_cursor});
  REQUIRE(page3->orders.size() == 1);
  CHECK_FALSE(page3->next_cursor);

  auto canceled = s.orders.list_orders("acct", {{OrderStatus::Canceled}, std::nullopt, 10, {}});
  REQUIRE(canceled->orders.size() == 1);
  CHECK(canceled->orders[0].order_id == "ord-20260303120000-2");
  CHECK(s.orders.list_orders("acct", {{}, std::string("ETH/USDT"), 10, {}})->orders.empty());
  CHECK(s.orders.list_orders("acct", {{OrderStatus::Open}, std::string("btc/usdt"), 10, {}})
            ->orders.size() == 5);
  CHECK(s.orders.list_orders("acct", {{}, std::nullopt, 0, {}}).code() == Errc::InvalidArgument);
  CHECK(s.orders.list_orders("acct", {{}, std::nullopt, 1001, {}}).code() == Errc::InvalidArgument);
  CHECK(s.orders.list_orders("acct", {{}, std::nullopt, 10, std::string("x")}).code() ==
        Errc::InvalidArgument);
}

TEST_CASE("orders are counted by status within the account only", "[orders]") {
  Service s;
  for (int i = 0; i < 4; ++i) place_id(s);
  place_id(s, "other");
  REQUIRE(s.orders.cancel("acct", "ord-20260303120000-2").ok());
  REQUIRE(s.orders.fill("acct", "ord-20260303120000-3").ok());

  CHECK(*s.orders.count_orders("acct", OrderStatus::Open) == 2);
  CHECK(*s.orders.count_orders("acct", OrderStatus::Canceled) == 1);
  CHECK(*s.orders.count_orders("acct", OrderStatus::Filled) == 1);
  CHECK(*s.orders.count_orders("acct", OrderStatus::Closed) == 0);
  CHECK(*s.orders.count_orders("other", OrderStatus::Open) == 1);
  CHECK(*s.orders.count_orders("nobody", OrderStatus::Open) == 0);
  CHECK(s.orders.count_orders("", OrderStatus::Open).code() == Errc::InvalidArgument);
}
