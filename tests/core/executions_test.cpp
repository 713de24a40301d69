// Execution reports (issue 14): the one way fills enter. Tagged [orders], so
// they run on SQLite here and on PostgreSQL in core_tests_postgres.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <random>
#include <thread>

#include "fixtures.hpp"
#include "orderstate/state_machine.hpp"

using namespace orderstate;
using orderstate::testing::limit_buy;
using orderstate::testing::Service;

namespace {

Placed place(Service& s, PlaceRequest r = limit_buy()) {
  auto placed = s.orders.place("acct", r);
  REQUIRE(placed.ok());
  return std::move(placed).value();
}

ExecutionReport trade(const std::string& order_id, const std::string& exec_id,
                      const std::string& amount, const std::string& price) {
  return {.exec_id = exec_id,
          .order_id = order_id,
          .kind = ExecKind::Trade,
          .last_amount = amount,
          .last_price = price};
}

ExecutionReport report(const std::string& order_id, const std::string& exec_id, ExecKind kind) {
  return {.exec_id = exec_id, .order_id = order_id, .kind = kind};
}

std::string journal(Service& s, const std::string& order_id) {
  std::string out;
  const auto events = s.orders.history("acct", order_id).value();
  for (const auto& e : events) {
    out += (e.from ? to_string(*e.from) : std::string("-")) + ">" + to_string(e.to) + ":" +
           e.reason + ";";
  }
  return out;
}

// What must hold for every order (issue 14): amount == filled + remaining
// while working, filled <= amount always.
void check_invariants(const OrderRecord& o) {
  INFO(o.order_id << " " << to_string(o.status));
  CHECK((Decimal::compare(o.filled_amount, o.amount) <= 0));
  if (next(o.status, Action::Fill)) {
    CHECK((Decimal::compare(Decimal::add(o.filled_amount, remaining_amount(o)), o.amount) == 0));
  } else {
    CHECK(remaining_amount(o).is_zero());
  }
  CHECK(o.average_fill_price.has_value() == o.filled_amount.is_positive());
}

}  // namespace

TEST_CASE("a partial fill then the rest fills the order, with exact quantities and average",
          "[orders][executions]") {
  Service s;
  const Placed p = place(s);  // 0.01 at 50000.00
  auto first = s.orders.apply_execution("acct", trade(p.order.order_id, "T1", "0.004", "50010.00"));
  REQUIRE(first.ok());
  CHECK_FALSE(first->replayed);
  CHECK(first->order.status == OrderStatus::PartiallyFilled);
  CHECK(first->order.filled_amount == "0.004");
  CHECK(remaining_amount(first->order) == "0.006");
  CHECK(first->order.average_fill_price.value() == "50010.0000000000");
  check_invariants(first->order);
  auto position = s.orders.get_position("acct", p.position.position_id).value();
  CHECK(position.status == PositionStatus::Open);
  CHECK(position.size == "0.004");
  CHECK(position.entry_price == "50010.0000000000");

  auto second =
      s.orders.apply_execution("acct", trade(p.order.order_id, "T2", "0.006", "49990.005"));
  REQUIRE(second.ok());
  CHECK(second->order.status == OrderStatus::Filled);
  CHECK(second->order.filled_amount == "0.010");
  CHECK(remaining_amount(second->order) == "0");
  // (0.004 * 50010.00 + 0.006 * 49990.005) / 0.010 = 49998.003, at the finest
  // price scale (3) + 8.
  CHECK(second->order.filled_notional == "499.980030");
  CHECK(second->order.average_fill_price.value() == "49998.00300000000");
  check_invariants(second->order);
  CHECK(journal(s, p.order.order_id) ==
        "-"
        ">OPEN:place;OPEN>PARTIALLY_FILLED:trade;PARTIALLY_FILLED>FILLED:trade;");
  CHECK(s.orders.get_order("acct", p.order.order_id).value() == second->order);
}

TEST_CASE("the average fill price rounds half-even at the price scale plus 8",
          "[orders][executions]") {
  Service s;
  const Placed p = place(s, limit_buy("3", "1.00"));
  REQUIRE(s.orders.apply_execution("acct", trade(p.order.order_id, "a", "1", "1.00")).ok());
  REQUIRE(s.orders.apply_execution("acct", trade(p.order.order_id, "b", "1", "1.00")).ok());
  auto third = s.orders.apply_execution("acct", trade(p.order.order_id, "c", "1", "2.00"));
  REQUIRE(third.ok());
  CHECK(third->order.average_fill_price.value() == "1.3333333333");  // 4/3, 10 digits
  const Placed q = place(s, limit_buy("2", "1"));
  REQUIRE(s.orders.apply_execution("acct", trade(q.order.order_id, "d", "1", "0.000000001")).ok());
  auto tie = s.orders.apply_execution("acct", trade(q.order.order_id, "e", "1", "0.000000002"));
  REQUIRE(tie.ok());
  // The scale follows the finest price seen: 9 + 8 digits.
  CHECK(tie->order.average_fill_price.value() == "0.00000000150000000");
}

TEST_CASE("a replayed execution report changes nothing and answers the order as it is",
          "[orders][executions]") {
  Service s;
  const Placed p = place(s);
  const auto t = trade(p.order.order_id, "T1", "0.004", "50010.00");
  const auto first = s.orders.apply_execution("acct", t).value();
  const auto events = s.orders.history("acct", p.order.order_id).value();
  s.clock.advance(5);
  for (int i = 0; i < 3; ++i) {
    auto again = s.orders.apply_execution("acct", t);
    REQUIRE(again.ok());
    CHECK(again->replayed);
    CHECK(again->order == first.order);
  }
  CHECK(s.orders.get_order("acct", p.order.order_id).value() == first.order);
  CHECK(s.orders.history("acct", p.order.order_id).value() == events);
  CHECK(s.orders.get_position("acct", p.position.position_id)->size == "0.004");
}

TEST_CASE("an exec_id reused with different content is refused and changes nothing",
          "[orders][executions]") {
  Service s;
  const Placed p = place(s);
  const Placed other = place(s);
  const auto first =
      s.orders.apply_execution("acct", trade(p.order.order_id, "T1", "0.004", "50010.00")).value();
  for (const auto& changed :
       {trade(p.order.order_id, "T1", "0.005", "50010.00"),
        trade(p.order.order_id, "T1", "0.004", "50010.0"),  // same value, other spelling
        trade(other.order.order_id, "T1", "0.004", "50010.00"),
        report(p.order.order_id, "T1", ExecKind::Canceled)}) {
    auto r = s.orders.apply_execution("acct", changed);
    CHECK(r.code() == Errc::Conflict);
    CHECK(r.error().message == kExecIdReused);
  }
  CHECK(s.orders.get_order("acct", p.order.order_id).value() == first.order);
  CHECK(s.orders.get_order("acct", other.order.order_id).value() == other.order);
  // Another account has its own exec_ids.
  auto theirs = s.orders.place("acct-2", limit_buy());
  REQUIRE(theirs.ok());
  CHECK(s.orders.apply_execution("acct-2", trade(theirs->order.order_id, "T1", "0.004", "50010.00"))
            .ok());
}

TEST_CASE("a trade past the order's amount is refused and changes nothing",
          "[orders][executions]") {
  Service s;
  const Placed p = place(s);
  REQUIRE(s.orders.apply_execution("acct", trade(p.order.order_id, "T1", "0.004", "50000")).ok());
  const auto before = s.orders.get_order("acct", p.order.order_id).value();
  const auto events = s.orders.history("acct", p.order.order_id).value();
  auto over = s.orders.apply_execution("acct", trade(p.order.order_id, "T2", "0.0061", "50000"));
  CHECK(over.code() == Errc::Conflict);
  CHECK(over.error().message == kFillExceedsAmount);
  CHECK(s.orders.get_order("acct", p.order.order_id).value() == before);
  CHECK(s.orders.history("acct", p.order.order_id).value() == events);
  // The refused exec_id was not recorded: a correct report under it applies.
  auto ok = s.orders.apply_execution("acct", trade(p.order.order_id, "T2", "0.006", "50000"));
  REQUIRE(ok.ok());
  CHECK(ok->order.status == OrderStatus::Filled);
  CHECK(s.orders.apply_execution("acct", trade(p.order.order_id, "T3", "0.0000001", "1")).code() ==
        Errc::Conflict);
}

TEST_CASE("canceling a partially filled order keeps the filled exposure open",
          "[orders][executions]") {
  Service s;
  const Placed p = place(s);
  REQUIRE(
      s.orders.apply_execution("acct", trade(p.order.order_id, "T1", "0.004", "50000.00")).ok());
  auto canceled = s.orders.cancel("acct", p.order.order_id);
  REQUIRE(canceled.ok());
  CHECK(canceled->status == OrderStatus::Canceled);
  CHECK(canceled->filled_amount == "0.004");
  CHECK(remaining_amount(*canceled) == "0");
  check_invariants(*canceled);
  const auto position = s.orders.get_position("acct", p.position.position_id).value();
  CHECK(position.status == PositionStatus::Open);
  CHECK(position.size == "0.004");
  // Without fills the cancel closes the position, as the spec says.
  const Placed q = place(s);
  REQUIRE(s.orders.cancel("acct", q.order.order_id).ok());
  CHECK(s.orders.get_position("acct", q.position.position_id)->status == PositionStatus::Closed);
}

TEST_CASE("a trade that arrives after the cancel counts, and the order stays canceled",
          "[orders][executions]") {
  Service s;
  const Placed p = place(s);
  REQUIRE(s.orders.cancel("acct", p.order.order_id).ok());
  auto late = s.orders.apply_execution("acct", trade(p.order.order_id, "T1", "0.01", "49000.00"));
  REQUIRE(late.ok());
  CHECK(late->order.status == OrderStatus::Canceled);
  CHECK(late->order.filled_amount == "0.01");
  CHECK(late->order.average_fill_price.value() == "49000.0000000000");
  check_invariants(late->order);
  const auto position = s.orders.get_position("acct", p.position.position_id).value();
  CHECK(position.status == PositionStatus::Open);  // the exposure is real
  CHECK(position.size == "0.01");
  CHECK(journal(s, p.order.order_id) ==
        "-"
        ">OPEN:place;OPEN>CANCELED:cancel;CANCELED>CANCELED:late_fill;");
  // A late fill past the amount is still refused.
  CHECK(s.orders.apply_execution("acct", trade(p.order.order_id, "T2", "0.001", "1")).code() ==
        Errc::Conflict);
}

TEST_CASE("venue reports end orders as the state machine says", "[orders][executions]") {
  Service s;
  const Placed a = place(s), b = place(s), c = place(s), d = place(s);
  auto canceled =
      s.orders.apply_execution("acct", report(a.order.order_id, "X1", ExecKind::Canceled));
  REQUIRE(canceled.ok());
  CHECK(canceled->order.status == OrderStatus::Canceled);
  CHECK(s.orders.get_position("acct", a.position.position_id)->status == PositionStatus::Closed);
  // The venue confirming our own cancel changes nothing.
  REQUIRE(s.orders.cancel("acct", b.order.order_id).ok());
  const auto b_events = s.orders.history("acct", b.order.order_id).value();
  auto confirm =
      s.orders.apply_execution("acct", report(b.order.order_id, "X2", ExecKind::Canceled));
  REQUIRE(confirm.ok());
  CHECK(confirm->order.status == OrderStatus::Canceled);
  CHECK(s.orders.history("acct", b.order.order_id).value() == b_events);

  REQUIRE(s.orders.apply_execution("acct", trade(c.order.order_id, "X3", "0.001", "1")).ok());
  auto expired =
      s.orders.apply_execution("acct", report(c.order.order_id, "X4", ExecKind::Expired));
  REQUIRE(expired.ok());
  CHECK(expired->order.status == OrderStatus::Expired);
  CHECK(s.orders.get_position("acct", c.position.position_id)->status == PositionStatus::Open);
  CHECK(
      s.orders.apply_execution("acct", report(c.order.order_id, "X5", ExecKind::Rejected)).code() ==
      Errc::NotOpen);

  auto rejected =
      s.orders.apply_execution("acct", report(d.order.order_id, "X6", ExecKind::Rejected));
  REQUIRE(rejected.ok());
  CHECK(rejected->order.status == OrderStatus::Rejected);
  CHECK(s.orders.get_position("acct", d.position.position_id)->status == PositionStatus::Closed);
  CHECK(s.orders.apply_execution("acct", trade(d.order.order_id, "X7", "0.001", "1")).code() ==
        Errc::NotOpen);
  CHECK(s.orders.cancel("acct", d.order.order_id).code() == Errc::NotOpen);
  CHECK(journal(s, d.order.order_id) ==
        "-"
        ">OPEN:place;OPEN>REJECTED:reject;");
}

TEST_CASE("a liquidated order takes no trade", "[orders][executions]") {
  Service s;
  const Placed p = place(s);
  REQUIRE(s.orders.apply_execution("acct", trade(p.order.order_id, "T1", "0.004", "50000")).ok());
  REQUIRE(s.orders.liquidate("acct", p.position.position_id).ok());
  CHECK(s.orders.get_order("acct", p.order.order_id)->status == OrderStatus::Closed);
  CHECK(s.orders.apply_execution("acct", trade(p.order.order_id, "T2", "0.001", "50000")).code() ==
        Errc::NotOpen);
}

TEST_CASE("execution reports find the order by client_order_id", "[orders][executions]") {
  Service s;
  PlaceRequest r = limit_buy();
  r.client_order_id = "my-1";
  const Placed p = place(s, r);
  ExecutionReport t = trade("", "T1", "0.002", "50000.00");
  t.order_id.reset();
  t.client_order_id = "my-1";
  auto applied = s.orders.apply_execution("acct", t);
  REQUIRE(applied.ok());
  CHECK(applied->order.order_id == p.order.order_id);
  t.exec_id = "T2";
  t.order_id = place(s).order.order_id;  // names another order
  CHECK(s.orders.apply_execution("acct", t).code() == Errc::InvalidArgument);
  t.order_id.reset();
  t.client_order_id = "nobody";
  CHECK(s.orders.apply_execution("acct", t).code() == Errc::NotFound);
  CHECK(s.orders.apply_execution("other", trade(p.order.order_id, "T3", "0.001", "1")).code() ==
        Errc::NotFound);
  auto canceled = s.orders.cancel_by_client_id("acct", "my-1");
  REQUIRE(canceled.ok());
  CHECK(canceled->order_id == p.order.order_id);
  CHECK(s.orders.cancel_by_client_id("acct", "nobody").code() == Errc::NotFound);
}

TEST_CASE("malformed execution reports are refused before anything is written",
          "[orders][executions]") {
  Service s;
  const Placed p = place(s);
  const std::string id = p.order.order_id;
  for (const auto& bad :
       {trade(id, "", "0.001", "1"), trade(id, std::string(65, 'x'), "0.001", "1"),
        trade(id, " T1", "0.001", "1"), trade(id, "T1", "0", "1"), trade(id, "T1", "-0.001", "1"),
        trade(id, "T1", "1e-3", "1"), trade(id, "T1", "0.001", "0"), trade(id, "T1", "0.001", ""),
        trade("ord-x", "T1", "0.001", "1")}) {
    INFO(bad.exec_id << " " << bad.last_amount << " " << bad.last_price);
    CHECK(s.orders.apply_execution("acct", bad).code() == Errc::InvalidArgument);
  }
  ExecutionReport with_qty = report(id, "T1", ExecKind::Canceled);
  with_qty.last_amount = "0.001";
  CHECK(s.orders.apply_execution("acct", with_qty).code() == Errc::InvalidArgument);
  ExecutionReport bad_time = trade(id, "T1", "0.001", "1");
  bad_time.at = "2026-02-30T00:00:00Z";
  CHECK(s.orders.apply_execution("acct", bad_time).code() == Errc::InvalidArgument);
  ExecutionReport nobody = report(id, "T1", ExecKind::Canceled);
  nobody.order_id.reset();
  CHECK(s.orders.apply_execution("acct", nobody).code() == Errc::InvalidArgument);
  CHECK(s.orders.get_order("acct", id).value() == p.order);
  // None of them recorded T1.
  REQUIRE(s.orders.apply_execution("acct", trade(id, "T1", "0.001", "1")).ok());
}

TEST_CASE("a client_order_id replay must repeat the time in force and expiry too",
          "[orders][executions]") {
  Service s;
  PlaceRequest r = limit_buy();
  r.client_order_id = "c-1";
  r.time_in_force = "GTD";
  r.expire_at = "2026-12-01T00:00:00Z";
  const Placed first = place(s, r);
  r.time_in_force = "gtd";  // the same, as place normalizes it
  auto again = s.orders.place("acct", r);
  REQUIRE(again.ok());
  CHECK(again->replayed);
  CHECK(again->order == first.order);
  r.expire_at = "2026-12-02T00:00:00Z";
  CHECK(s.orders.place("acct", r).code() == Errc::Conflict);
  r.time_in_force = "IOC";
  r.expire_at.reset();
  CHECK(s.orders.place("acct", r).code() == Errc::Conflict);
  CHECK(s.orders.cancel_by_client_id("acct", " c-1\t").ok());  // trimmed, as at place
}

TEST_CASE("time in force is stored and shown, GTD needs an expiry", "[orders][executions]") {
  Service s;
  PlaceRequest r = limit_buy();
  CHECK(place(s, r).order.time_in_force == TimeInForce::Gtc);
  r.time_in_force = " ioc ";
  CHECK(place(s, r).order.time_in_force == TimeInForce::Ioc);
  r.time_in_force = "GTD";
  CHECK(s.orders.place("acct", r).code() == Errc::InvalidArgument);
  r.expire_at = "2026-12-01T00:00:00Z";
  const Placed gtd = place(s, r);
  CHECK(gtd.order.time_in_force == TimeInForce::Gtd);
  CHECK(gtd.order.expire_at == "2026-12-01T00:00:00Z");
  CHECK(s.orders.get_order("acct", gtd.order.order_id).value() == gtd.order);
  r.expire_at = "2026-03-03T12:00:00Z";  // the service's clock: not in the future
  CHECK(s.orders.place("acct", r).error().message == "expire_at must be in the future");
  r.expire_at = "2026-12-01T00:00:00Z";
  r.time_in_force = "DAY";
  CHECK(s.orders.place("acct", r).code() == Errc::InvalidArgument);  // expire_at only for GTD
  r.expire_at.reset();
  r.time_in_force = "GTX";
  CHECK(s.orders.place("acct", r).code() == Errc::InvalidArgument);
}

// 8 threads apply the same 200 trade reports (each 3 times, shuffled) to one
// order while another cancels it: every report counts once, none twice, and
// the order ends FILLED or CANCELED with all 200 filled.
TEST_CASE("racing duplicate trade reports and a cancel count every report exactly once",
          "[orders][executions][race]") {
  Service s;
  constexpr int kReports = 200, kThreads = 8;
  const Placed p = place(s, limit_buy("2.00", "100"));  // 200 x 0.01
  std::vector<ExecutionReport> all;
  for (int copy = 0; copy < 3; ++copy) {
    for (int i = 0; i < kReports; ++i) {
      all.push_back(trade(p.order.order_id, "E" + std::to_string(i), "0.01",
                          std::to_string(100 + i % 7) + ".5"));
    }
  }
  std::shuffle(all.begin(), all.end(), std::mt19937(14));
  std::atomic<int> applied{0}, replayed{0}, other{0};
  std::atomic<std::size_t> next_report{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (std::size_t i; (i = next_report.fetch_add(1)) < all.size();) {
        auto r = s.orders.apply_execution("acct", all[i]);
        if (!r.ok()) {
          ++other;
        } else if (r->replayed) {
          ++replayed;
        } else {
          ++applied;
        }
      }
    });
  }
  std::thread canceler([&] {
    while (next_report.load() < all.size() / 2) std::this_thread::yield();
    (void)s.orders.cancel("acct", p.order.order_id);
  });
  for (auto& t : threads) t.join();
  canceler.join();
  CHECK(other == 0);
  CHECK(applied == kReports);
  CHECK(replayed == 2 * kReports);
  const auto order = s.orders.get_order("acct", p.order.order_id).value();
  CHECK(order.filled_amount == "2.00");
  CHECK((order.status == OrderStatus::Filled || order.status == OrderStatus::Canceled));
  check_invariants(order);
  int trades = 0;
  const auto events = s.orders.history("acct", p.order.order_id).value();
  for (const auto& e : events) {
    trades += e.reason == "trade" || e.reason == "late_fill";
  }
  CHECK(trades == kReports);
  const auto position = s.orders.get_position("acct", p.position.position_id).value();
  CHECK(position.size == "2.00");
  CHECK(position.entry_price == order.average_fill_price.value());
}

// Issue 15: the intent is recorded before it is sent; only a report decides.
TEST_CASE("a pending place is PENDING_NEW until a report resolves it", "[orders][in_flight]") {
  Service s;
  PlaceRequest r = limit_buy();
  r.pending = true;
  const Placed a = place(s, r), b = place(s, r), c = place(s, r);
  CHECK(a.order.status == OrderStatus::PendingNew);
  CHECK(a.order.pending_since == "2026-03-03T12:00:00Z");
  CHECK(s.orders.get_order("acct", a.order.order_id).value() == a.order);
  CHECK(journal(s, a.order.order_id) ==
        "-"
        ">PENDING_NEW:place;");

  auto accepted = s.orders.apply_execution("acct", report(a.order.order_id, "N1", ExecKind::New));
  REQUIRE(accepted.ok());
  CHECK(accepted->order.status == OrderStatus::Open);
  CHECK_FALSE(accepted->order.pending_since);
  // A NEW once the order is past PENDING_NEW changes nothing.
  const auto events = s.orders.history("acct", a.order.order_id).value();
  CHECK(s.orders.apply_execution("acct", report(a.order.order_id, "N2", ExecKind::New))->order ==
        accepted->order);
  CHECK(s.orders.history("acct", a.order.order_id).value() == events);

  auto rejected =
      s.orders.apply_execution("acct", report(b.order.order_id, "R1", ExecKind::Rejected));
  REQUIRE(rejected.ok());
  CHECK(rejected->order.status == OrderStatus::Rejected);
  CHECK(s.orders.get_position("acct", b.position.position_id)->status == PositionStatus::Closed);

  auto traded = s.orders.apply_execution("acct", trade(c.order.order_id, "T1", "0.004", "50000"));
  REQUIRE(traded.ok());
  CHECK(traded->order.status == OrderStatus::PartiallyFilled);
  CHECK_FALSE(traded->order.pending_since);
  CHECK(journal(s, c.order.order_id) ==
        "-"
        ">PENDING_NEW:place;PENDING_NEW>PARTIALLY_FILLED:trade;");
}

TEST_CASE("a cancel request waits for the venue, a reject resumes, a trade meanwhile counts",
          "[orders][in_flight]") {
  Service s;
  const Placed p = place(s);
  s.clock.advance(10);
  auto requested = s.orders.request_cancel("acct", p.order.order_id);
  REQUIRE(requested.ok());
  CHECK(requested->status == OrderStatus::PendingCancel);
  CHECK(requested->pending_since == "2026-03-03T12:00:10Z");
  s.clock.advance(10);
  auto again = s.orders.request_cancel("acct", p.order.order_id);  // answers the state as it is
  REQUIRE(again.ok());
  CHECK(*again == *requested);
  // A trade while the cancel is out counts; the intent keeps its age.
  auto traded = s.orders.apply_execution("acct", trade(p.order.order_id, "T1", "0.004", "50000"));
  REQUIRE(traded.ok());
  CHECK(traded->order.status == OrderStatus::PendingCancel);
  CHECK(traded->order.pending_since == "2026-03-03T12:00:10Z");
  auto refused =
      s.orders.apply_execution("acct", report(p.order.order_id, "X1", ExecKind::CancelRejected));
  REQUIRE(refused.ok());
  CHECK(refused->order.status == OrderStatus::PartiallyFilled);  // its fills say so
  CHECK_FALSE(refused->order.pending_since);
  // Asked again, and this time the venue cancels: the filled part stays open.
  REQUIRE(s.orders.request_cancel("acct", p.order.order_id).ok());
  auto canceled =
      s.orders.apply_execution("acct", report(p.order.order_id, "X2", ExecKind::Canceled));
  REQUIRE(canceled.ok());
  CHECK(canceled->order.status == OrderStatus::Canceled);
  CHECK(s.orders.get_position("acct", p.position.position_id)->status == PositionStatus::Open);
  CHECK(journal(s, p.order.order_id) ==
        "-"
        ">OPEN:place;OPEN>PENDING_CANCEL:cancel_request;PENDING_CANCEL>PENDING_CANCEL:trade;"
        "PENDING_CANCEL>PARTIALLY_FILLED:cancel_rejected;PARTIALLY_FILLED>PENDING_CANCEL:"
        "cancel_request;PENDING_CANCEL>CANCELED:venue_canceled;");
  CHECK(s.orders.request_cancel("acct", p.order.order_id).code() == Errc::NotOpen);
  // A trade that fills the order while its cancel is out: FILLED, the cancel lost.
  const Placed q = place(s);
  REQUIRE(s.orders.request_cancel("acct", q.order.order_id).ok());
  CHECK(
      s.orders.apply_execution("acct", trade(q.order.order_id, "T2", "0.01", "1"))->order.status ==
      OrderStatus::Filled);
}

TEST_CASE("in_flight lists the intents older than asked, oldest first, and moves nothing",
          "[orders][in_flight]") {
  Service s;
  PlaceRequest r = limit_buy();
  r.pending = true;
  const Placed first = place(s, r);
  s.clock.advance(30);
  const Placed second = place(s);
  REQUIRE(s.orders.request_cancel("acct", second.order.order_id).ok());
  s.clock.advance(30);
  auto old = s.orders.in_flight("acct", 60);
  REQUIRE(old.ok());
  REQUIRE(old->orders.size() == 1);
  CHECK(old->orders[0].order_id == first.order.order_id);
  CHECK_FALSE(old->next_cursor);
  auto all = s.orders.in_flight("acct", 30);
  REQUIRE(all.ok());
  REQUIRE(all->orders.size() == 2);
  CHECK(all->orders[0].order_id == first.order.order_id);
  CHECK(all->orders[1].order_id == second.order.order_id);
  CHECK(s.orders.in_flight("acct", 31)->orders.size() == 1);
  CHECK(s.orders.in_flight("other", 0)->orders.empty());
  // Pages: a full page gives a cursor; the next page resumes after it.
  auto page1 = s.orders.in_flight("acct", 30, 1);
  REQUIRE(page1.ok());
  REQUIRE(page1->orders.size() == 1);
  REQUIRE(page1->next_cursor == "2026-03-03T12:00:00Z_" + first.order.order_id);
  auto page2 = s.orders.in_flight("acct", 30, 1, page1->next_cursor);
  REQUIRE(page2.ok());
  REQUIRE(page2->orders.size() == 1);
  CHECK(page2->orders[0].order_id == second.order.order_id);
  auto page3 = s.orders.in_flight("acct", 30, 1, page2->next_cursor);
  CHECK(page3->orders.empty());
  CHECK(s.orders.in_flight("acct", 30, 1, std::string("garbage")).code() == Errc::InvalidArgument);
  CHECK(s.orders.get_order("acct", first.order.order_id)->status == OrderStatus::PendingNew);
}

TEST_CASE("expire_due expires GTD and DAY orders once due, in one go, and nothing else",
          "[orders][in_flight]") {
  Service s;  // clock 2026-03-03T12:00:00Z, DAY session end 00:00 UTC
  PlaceRequest gtd = limit_buy();
  gtd.time_in_force = "GTD";
  gtd.expire_at = "2026-03-03T12:00:30Z";
  const Placed a = place(s, gtd);
  PlaceRequest day = limit_buy();
  day.time_in_force = "DAY";
  const Placed b = place(s, day);
  CHECK(b.order.expire_at == "2026-03-04T00:00:00Z");
  const Placed gtc = place(s);
  REQUIRE(s.orders.apply_execution("acct", trade(a.order.order_id, "T1", "0.004", "1")).ok());
  CHECK(s.orders.expire_due(s.clock.now())->empty());
  auto first = s.orders.expire_due(s.clock.now() + 30);
  REQUIRE(first.ok());
  REQUIRE(first->size() == 1);
  CHECK((*first)[0].order_id == a.order.order_id);
  CHECK((*first)[0].status == OrderStatus::Expired);
  CHECK(s.orders.get_position("acct", a.position.position_id)->status == PositionStatus::Open);
  auto second = s.orders.expire_due(s.clock.now() + 12 * 3600);
  REQUIRE(second.ok());
  REQUIRE(second->size() == 1);
  CHECK((*second)[0].order_id == b.order.order_id);
  CHECK(s.orders.get_position("acct", b.position.position_id)->status == PositionStatus::Closed);
  CHECK(s.orders.get_order("acct", gtc.order.order_id)->status == OrderStatus::Open);
  CHECK(s.orders.expire_due(s.clock.now() + 365 * 86400)->empty());
  CHECK(journal(s, b.order.order_id) ==
        "-"
        ">OPEN:place;OPEN>EXPIRED:expire;");
}

TEST_CASE("replace moves a working order's fills to a new linked order, both halves or neither",
          "[orders][replace]") {
  Service s;
  PlaceRequest r = limit_buy();
  r.client_order_id = "old-1";
  const Placed p = place(s, r);
  REQUIRE(
      s.orders.apply_execution("acct", trade(p.order.order_id, "T1", "0.004", "50010.00")).ok());
  s.clock.advance(5);
  auto done = s.orders.replace("acct", p.order.order_id,
                               {.amount = "0.02",
                                .price = "50001",
                                .new_client_order_id = "new-1",
                                .expect_filled_amount = "0.004"});
  REQUIRE(done.ok());
  CHECK(done->replaced.status == OrderStatus::Replaced);
  CHECK(done->replaced.replaced_by == done->order.order_id);
  CHECK(done->order.replaces == p.order.order_id);
  CHECK(done->order.status == OrderStatus::PartiallyFilled);
  CHECK(done->order.amount == "0.02");
  CHECK(done->order.price == "50001");
  CHECK(done->order.filled_amount == "0.004");
  CHECK(done->order.average_fill_price == done->replaced.average_fill_price);
  CHECK(done->order.client_order_id == "new-1");
  CHECK(done->position.size == "0.004");
  CHECK(done->position.status == PositionStatus::Open);
  CHECK(s.orders.get_order("acct", p.order.order_id).value() == done->replaced);
  CHECK(s.orders.get_order("acct", done->order.order_id).value() == done->order);
  CHECK(s.orders.get_position("acct", p.position.position_id)->status == PositionStatus::Closed);
  CHECK(journal(s, p.order.order_id) ==
        "-"
        ">OPEN:place;OPEN>PARTIALLY_FILLED:trade;PARTIALLY_FILLED>REPLACED:replace;");
  CHECK(journal(s, done->order.order_id) ==
        "-"
        ">PARTIALLY_FILLED:replace;");
  // Refusals change nothing.
  const auto before = s.orders.get_order("acct", done->order.order_id).value();
  const std::string id = done->order.order_id;
  CHECK(s.orders.replace("acct", p.order.order_id, {}).code() == Errc::NotOpen);
  CHECK(s.orders.replace("acct", id, {.expect_filled_amount = "0"}).error().message ==
        kFilledAmountChanged);
  CHECK(s.orders.replace("acct", id, {.amount = "0.003"}).error().message == kAmountBelowFilled);
  CHECK(s.orders.replace("acct", id, {.new_client_order_id = "old-1"}).error().message ==
        kClientOrderIdReused);
  CHECK(s.orders.replace("acct", id, {.amount = "-1"}).code() == Errc::InvalidArgument);
  CHECK(s.orders.replace("acct", id, {.amount = "0.020", .price = "50001.0"}).error().message ==
        "replace changes nothing");
  CHECK(s.orders.replace("other", id, {}).code() == Errc::NotFound);
  CHECK(s.orders.get_order("acct", id).value() == before);
  // Down to exactly the filled amount: the new order is FILLED.
  auto to_filled = s.orders.replace("acct", id, {.amount = "0.0040"});
  REQUIRE(to_filled.ok());
  CHECK(to_filled->order.status == OrderStatus::Filled);
  // A trade for the first order lands at the end of the chain (and overfills it).
  CHECK(s.orders.apply_execution("acct", trade(p.order.order_id, "T2", "0.001", "1")).code() ==
        Errc::Conflict);
}

// Issue 15's race: trade reports, replaces and a cancel on one order from 8
// threads. Each step has one outcome; the chain stays linked both ways; no
// quantity is lost or counted twice.
TEST_CASE("racing replaces, trade reports and a cancel keep the chain whole and every fill once",
          "[orders][replace][race]") {
  Service s;
  const Placed p = place(s, limit_buy("1.00", "100"));
  constexpr int kTrades = 60;
  std::atomic<int> next_trade{0}, applied{0}, replaced{0}, trade_other{0};
  auto live_id = [&] {
    std::string id = p.order.order_id;
    for (auto o = s.orders.get_order("acct", id); o.ok() && o->replaced_by;
         o = s.orders.get_order("acct", id)) {
      id = *o->replaced_by;
    }
    return id;
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {  // trade reports, all addressed to the first order
    threads.emplace_back([&] {
      for (int i; (i = next_trade++) < kTrades;) {
        auto r = s.orders.apply_execution(
            "acct", trade(p.order.order_id, "E" + std::to_string(i), "0.01", "100.5"));
        if (r.ok() && !r->replayed) {
          ++applied;
        } else {
          ++trade_other;
        }
      }
    });
  }
  for (int t = 0; t < 3; ++t) {  // replaces of whatever is live, growing the amount
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        const std::string amount = "1." + std::to_string(10 + t * 20 + i);
        if (s.orders.replace("acct", live_id(), {.amount = amount}).ok()) ++replaced;
      }
    });
  }
  threads.emplace_back([&] {  // one cancel, halfway
    while (next_trade.load() < kTrades / 2) std::this_thread::yield();
    (void)s.orders.cancel("acct", live_id());
  });
  for (auto& t : threads) t.join();
  CHECK(trade_other == 0);
  CHECK(applied == kTrades);
  // Walk the chain: linked both ways, every link REPLACED with a CLOSED
  // position, fills never shrinking, the last holding all of them.
  std::string id = p.order.order_id;
  std::optional<std::string> previous;
  Decimal filled;
  int links = 0, trade_events = 0;
  while (true) {
    const auto o = s.orders.get_order("acct", id).value();
    INFO(o.order_id << " " << to_string(o.status));
    CHECK(o.replaces == previous);
    CHECK((Decimal::compare(o.filled_amount, filled) >= 0));
    filled = o.filled_amount;
    const auto events = s.orders.history("acct", id).value();
    for (const auto& e : events) trade_events += e.reason == "trade" || e.reason == "late_fill";
    if (!o.replaced_by) break;
    CHECK(o.status == OrderStatus::Replaced);
    CHECK(s.orders.get_position("acct", o.position_id)->status == PositionStatus::Closed);
    previous = o.order_id;
    id = *o.replaced_by;
    ++links;
  }
  CHECK(links == replaced);
  CHECK(filled == "0.60");
  CHECK(trade_events == kTrades);
}

namespace {

// A pending replace of a 0.01 order that filled 0.004: the old order
// PENDING_REPLACE, the new one PENDING_NEW for `amount`.
Replaced pending_replace(Service& s, const Placed& p, const std::string& amount = "0.02") {
  REQUIRE(
      s.orders.apply_execution("acct", trade(p.order.order_id, "T1", "0.004", "50010.00")).ok());
  auto asked =
      s.orders.replace("acct", p.order.order_id,
                       {.amount = amount, .new_client_order_id = "new-1", .pending = true});
  REQUIRE(asked.ok());
  return std::move(asked).value();
}

}  // namespace

TEST_CASE("a pending replace waits for the venue, REPLACED carries every fill to the new order",
          "[orders][replace][in_flight]") {
  Service s;
  const Placed p = place(s);
  const Replaced asked = pending_replace(s, p);
  const std::string old_id = p.order.order_id, new_id = asked.order.order_id;
  CHECK(asked.replaced.status == OrderStatus::PendingReplace);
  CHECK(asked.replaced.replaced_by == new_id);
  CHECK(asked.replaced.pending_since == "2026-03-03T12:00:00Z");
  CHECK(asked.order.status == OrderStatus::PendingNew);
  CHECK(asked.order.replaces == old_id);
  CHECK(asked.order.filled_amount == "0");  // the fills move over when the venue confirms
  CHECK(asked.position.status == PositionStatus::Closed);
  CHECK(asked.position.size == "0.02");
  CHECK(s.orders.get_position("acct", p.position.position_id)->status == PositionStatus::Open);
  const auto flying = s.orders.in_flight("acct", 0).value().orders;
  REQUIRE(flying.size() == 2);
  CHECK(flying[0].order_id == old_id);
  // While it waits, the venue still works the old order: a trade named by
  // the new order's client id counts there; the new order's calls act there.
  s.clock.advance(1);
  auto during = s.orders.apply_execution("acct", {.exec_id = "T2",
                                                  .client_order_id = "new-1",
                                                  .kind = ExecKind::Trade,
                                                  .last_amount = "0.002",
                                                  .last_price = "50000"});
  REQUIRE(during.ok());
  CHECK(during->order.order_id == old_id);
  CHECK(during->order.status == OrderStatus::PendingReplace);
  CHECK(during->order.filled_amount == "0.006");
  CHECK(s.orders.request_cancel("acct", new_id).code() == Errc::NotOpen);
  CHECK(s.orders.replace("acct", new_id, {.amount = "0.03"}).code() == Errc::NotOpen);
  CHECK(s.orders.replace("acct", old_id, {.amount = "0.03"}).code() == Errc::NotOpen);
  CHECK(s.orders.get_order("acct", new_id)->status == OrderStatus::PendingNew);
  // The venue confirms (addressed to the new order, as FIX venues do).
  s.clock.advance(1);
  auto done = s.orders.apply_execution("acct", report(new_id, "R1", ExecKind::Replaced));
  REQUIRE(done.ok());
  CHECK(done->order.order_id == old_id);
  CHECK(done->order.status == OrderStatus::Replaced);
  const auto now_new = s.orders.get_order("acct", new_id).value();
  CHECK(now_new.status == OrderStatus::PartiallyFilled);
  CHECK(now_new.filled_amount == "0.006");
  CHECK(now_new.filled_notional == done->order.filled_notional);
  CHECK(now_new.average_fill_price == done->order.average_fill_price);
  CHECK_FALSE(now_new.pending_since);
  check_invariants(now_new);
  const auto position = s.orders.get_position("acct", asked.position.position_id).value();
  CHECK(position.status == PositionStatus::Open);
  CHECK(position.size == "0.006");
  CHECK(s.orders.get_position("acct", p.position.position_id)->status == PositionStatus::Closed);
  CHECK(s.orders.in_flight("acct", 0)->orders.empty());
  CHECK(journal(s, old_id) ==
        "-"
        ">OPEN:place;OPEN>PARTIALLY_FILLED:trade;PARTIALLY_FILLED>PENDING_REPLACE:replace_request;"
        "PENDING_REPLACE>PENDING_REPLACE:trade;PENDING_REPLACE>REPLACED:venue_replaced;");
  CHECK(journal(s, new_id) ==
        "-"
        ">PENDING_NEW:replace_request;PENDING_NEW>PARTIALLY_FILLED:venue_replaced;");
  // The same report again, or another confirming one: recorded, nothing moves.
  CHECK(s.orders.apply_execution("acct", report(new_id, "R1", ExecKind::Replaced))->replayed);
  auto again = s.orders.apply_execution("acct", report(old_id, "R2", ExecKind::Replaced));
  REQUIRE(again.ok());
  CHECK(again->order == now_new);
  // Trades for either now land on the new order.
  auto after = s.orders.apply_execution("acct", trade(old_id, "T3", "0.014", "50000"));
  REQUIRE(after.ok());
  CHECK(after->order.order_id == new_id);
  CHECK(after->order.status == OrderStatus::Filled);
  // A REPLACED report for an order never replaced does not apply.
  const Placed plain = place(s);
  CHECK(s.orders.apply_execution("acct", report(plain.order.order_id, "R3", ExecKind::Replaced))
            .code() == Errc::NotOpen);
}

TEST_CASE("a refused pending replace resumes the old order and rejects the new one",
          "[orders][replace][in_flight]") {
  Service s;
  const Placed p = place(s);
  const Replaced asked = pending_replace(s, p);
  auto refused =
      s.orders.apply_execution("acct", report(p.order.order_id, "X1", ExecKind::CancelRejected));
  REQUIRE(refused.ok());
  CHECK(refused->order.status == OrderStatus::PartiallyFilled);
  CHECK_FALSE(refused->order.pending_since);
  const auto rejected = s.orders.get_order("acct", asked.order.order_id).value();
  CHECK(rejected.status == OrderStatus::Rejected);
  CHECK(s.orders.get_position("acct", asked.position.position_id)->status ==
        PositionStatus::Closed);
  CHECK(s.orders.get_position("acct", p.position.position_id)->status == PositionStatus::Open);
  CHECK(journal(s, asked.order.order_id) ==
        "-"
        ">PENDING_NEW:replace_request;PENDING_NEW>REJECTED:replace_rejected;");
  CHECK(rejected.filled_amount == "0");  // it never went live: no fill is counted twice
  CHECK_FALSE(rejected.average_fill_price);
  // The venue's late answers and fills addressed to it are the old order's.
  auto late = s.orders.apply_execution("acct", trade(asked.order.order_id, "T7", "0.001", "1"));
  REQUIRE(late.ok());
  CHECK(late->order.order_id == p.order.order_id);
  CHECK(late->order.filled_amount == "0.005");
  // The old order works on; a replace may be asked again.
  CHECK(s.orders.replace("acct", p.order.order_id, {.amount = "0.03", .pending = true}).ok());
}

// From an outside attack: a local cancel during the wait, then the venue's
// fill named by the new order's id. The fill counts (a late fill of the old
// order), it is not refused.
TEST_CASE("a fill for a replacement that never went live counts on the order it was to replace",
          "[orders][replace][in_flight]") {
  Service s;
  const Placed p = place(s);
  const Replaced asked = pending_replace(s, p);
  REQUIRE(s.orders.cancel("acct", asked.order.order_id).ok());
  auto confirm =
      s.orders.apply_execution("acct", report(asked.order.order_id, "R1", ExecKind::Replaced));
  REQUIRE(confirm.ok());  // late: recorded, nothing moves
  CHECK(confirm->order.status == OrderStatus::Canceled);
  auto fill = s.orders.apply_execution("acct", trade(asked.order.order_id, "T2", "0.002", "1"));
  REQUIRE(fill.ok());
  CHECK(fill->order.order_id == p.order.order_id);
  CHECK(fill->order.status == OrderStatus::Canceled);
  CHECK(fill->order.filled_amount == "0.006");
  CHECK(s.orders.get_order("acct", asked.order.order_id)->filled_amount == "0");
}

TEST_CASE("whatever ends the old order during a pending replace rejects the new one",
          "[orders][replace][in_flight]") {
  auto rejected_after = [](auto&& end, OrderStatus old_status) {
    Service s;
    PlaceRequest r = limit_buy();
    r.time_in_force = "GTD";
    r.expire_at = "2026-03-03T13:00:00Z";
    const Placed p = place(s, r);
    const Replaced asked = pending_replace(s, p);
    end(s, p.order.order_id, asked.order.order_id);
    CHECK(s.orders.get_order("acct", p.order.order_id)->status == old_status);
    CHECK(s.orders.get_order("acct", asked.order.order_id)->status == OrderStatus::Rejected);
    CHECK(s.orders.get_position("acct", asked.position.position_id)->status ==
          PositionStatus::Closed);
  };
  SECTION("a local cancel addressed to the new order") {
    rejected_after(
        [](Service& s, const std::string&, const std::string& new_id) {
          auto canceled = s.orders.cancel("acct", new_id);
          REQUIRE(canceled.ok());
          CHECK(canceled->status == OrderStatus::Canceled);
        },
        OrderStatus::Canceled);
  }
  SECTION("a trade that fills the rest") {
    rejected_after(
        [](Service& s, const std::string& old_id, const std::string&) {
          REQUIRE(s.orders.apply_execution("acct", trade(old_id, "T9", "0.006", "1")).ok());
        },
        OrderStatus::Filled);
  }
  SECTION("expiry (the new order is not expired on its own)") {
    rejected_after(
        [](Service& s, const std::string& old_id, const std::string&) {
          auto expired = s.orders.expire_due(s.clock.now() + 3600);
          REQUIRE(expired.ok());
          REQUIRE(expired->size() == 1);
          CHECK((*expired)[0].order_id == old_id);
        },
        OrderStatus::Expired);
  }
  SECTION("cancel_all (the new order is not listed)") {
    rejected_after(
        [](Service& s, const std::string& old_id, const std::string&) {
          auto all = s.orders.cancel_all("acct", std::nullopt);
          REQUIRE(all.ok());
          REQUIRE(all->size() == 1);
          CHECK((*all)[0].order_id == old_id);
        },
        OrderStatus::Canceled);
  }
}

TEST_CASE("a confirmed replace whose new amount the wait's fills passed is refused",
          "[orders][replace][in_flight]") {
  Service s;
  const Placed p = place(s);
  const Replaced asked = pending_replace(s, p, "0.005");
  REQUIRE(s.orders.apply_execution("acct", trade(p.order.order_id, "T2", "0.002", "1")).ok());
  const auto old_before = s.orders.get_order("acct", p.order.order_id).value();
  auto refused =
      s.orders.apply_execution("acct", report(p.order.order_id, "R1", ExecKind::Replaced));
  CHECK(refused.error().message == kAmountBelowFilled);
  CHECK(s.orders.get_order("acct", p.order.order_id).value() == old_before);
  CHECK(s.orders.get_order("acct", asked.order.order_id)->status == OrderStatus::PendingNew);
  // Nothing was recorded: the venue's cancel reject then applies.
  REQUIRE(s.orders.apply_execution("acct", report(p.order.order_id, "X1", ExecKind::CancelRejected))
              .ok());
  CHECK(s.orders.get_order("acct", asked.order.order_id)->status == OrderStatus::Rejected);
}

// The race with the replace asked of the venue: trade reports, pending
// replaces, the venue's REPLACED or CANCEL_REJECTED answers and a cancel on
// one chain from 8 threads. Each step has one outcome; every fill lands once
// on the order that holds the chain's fills; a refused replace leaves a
// REJECTED order with a CLOSED position and nothing else.
TEST_CASE("racing pending replaces, venue answers, trades and a cancel lose and double nothing",
          "[orders][replace][race]") {
  Service s;
  const Placed p = place(s, limit_buy("1.00", "100"));
  constexpr int kTrades = 60;
  std::atomic<int> next_trade{0}, applied{0}, trade_other{0}, answers{0};
  std::atomic<bool> done{false}, canceled{false};
  auto holder_id = [&] {  // the chain followed through REPLACED orders
    std::string id = p.order.order_id;
    for (auto o = s.orders.get_order("acct", id);
         o.ok() && o->status == OrderStatus::Replaced && o->replaced_by;
         o = s.orders.get_order("acct", id)) {
      id = *o->replaced_by;
    }
    return id;
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i; (i = next_trade++) < kTrades;) {
        auto r = s.orders.apply_execution(
            "acct", trade(p.order.order_id, "E" + std::to_string(i), "0.01", "100.5"));
        (r.ok() && !r->replayed ? applied : trade_other)++;
      }
    });
  }
  for (int t = 0; t < 2; ++t) {  // pending replaces of the holder until it is canceled
    threads.emplace_back([&, t] {
      for (int i = 0; !canceled.load() && i < 100000; ++i) {
        const std::string amount = "1." + std::to_string(10 + t * 50 + i % 50);
        (void)s.orders.replace("acct", holder_id(), {.amount = amount, .pending = true});
        std::this_thread::yield();
      }
    });
  }
  threads.emplace_back([&] {  // the venue answers whatever waits, by the new order's id
    for (int i = 0; !done.load(); ++i) {
      const auto o = s.orders.get_order("acct", holder_id());
      if (!o.ok() || o->status != OrderStatus::PendingReplace) continue;
      const ExecKind kind = i % 2 ? ExecKind::Replaced : ExecKind::CancelRejected;
      if (s.orders.apply_execution("acct", report(*o->replaced_by, "V" + std::to_string(i), kind))
              .ok()) {
        ++answers;
      }
    }
  });
  threads.emplace_back([&] {
    while (next_trade.load() < kTrades / 2 || answers.load() < 6) std::this_thread::yield();
    // (A confirm may move the chain on between reading and canceling.)
    while (!s.orders.cancel("acct", holder_id()).ok()) std::this_thread::yield();
    canceled = true;
  });
  for (std::size_t t = 0; t < 6; ++t) threads[t].join();
  done = true;
  for (std::size_t t = 6; t < threads.size(); ++t) threads[t].join();
  CHECK(trade_other == 0);
  CHECK(applied == kTrades);
  CHECK(answers >= 6);
  // Walk the chain: every order REPLACED (CLOSED position) up to the holder,
  // which has every fill; every order that was to replace and was refused
  // is REJECTED with a CLOSED position and no fill of its own beyond what it
  // was given.
  int trade_events = 0, rejected = 0;
  OrderQuery all;
  all.limit = 1000;
  const auto page = s.orders.list_orders("acct", all).value();
  for (const auto& o : page.orders) {
    INFO(o.order_id << " " << to_string(o.status));
    const auto events = s.orders.history("acct", o.order_id).value();
    for (const auto& e : events) trade_events += e.reason == "trade" || e.reason == "late_fill";
    if (o.status == OrderStatus::Rejected) {
      ++rejected;
      CHECK(o.replaces);
      CHECK(s.orders.get_position("acct", o.position_id)->status == PositionStatus::Closed);
    }
    if (o.status == OrderStatus::Replaced) {
      CHECK(s.orders.get_order("acct", *o.replaced_by)->replaces == o.order_id);
      CHECK(s.orders.get_position("acct", o.position_id)->status == PositionStatus::Closed);
    }
    CHECK(o.status != OrderStatus::PendingNew);  // the cancel settled the last wait
  }
  const auto holder = s.orders.get_order("acct", holder_id()).value();
  CHECK(holder.filled_amount == "0.60");
  CHECK(holder.status == OrderStatus::Canceled);
  CHECK(trade_events == kTrades);
  INFO("rejected " << rejected);
}
