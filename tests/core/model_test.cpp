// Model-based test (issues 14, 15): random sequences of places (pending or
// not), trade reports (new, replayed, reused with other content, past the
// amount), local cancels, cancel requests, venue NEW / CANCELED / EXPIRED /
// REJECTED / CANCEL_REJECTED / REPLACED reports, late trades, replaces
// (immediate and pending) and liquidations, each addressed to any order of
// a replace chain, run against the service and against a small model written
// here from the rules, not from the code. After every step the touched
// order, its position and its journal must equal the model's; every 250
// steps all of them are compared. Tagged [orders]: SQLite here, PostgreSQL
// in core_tests_postgres.
//
// The model keeps quantities in thousandths and prices in hundredths as
// integers, so its sums and its half-even average are computed without the
// library's Decimal.
#include <catch2/catch.hpp>
#include <deque>
#include <map>
#include <random>

#include "fixtures.hpp"
#include "orderstate/state_machine.hpp"

using namespace orderstate;
using orderstate::testing::Service;

namespace {

using S = OrderStatus;
using P = PositionStatus;
__extension__ typedef __int128 Wide;  // notionals: thousandths x hundredths
// What a step must answer: nullopt for success, else the error code.
using Outcome = std::optional<Errc>;
const Outcome kOk;

// "1234" thousandths -> "1.234"; hundredths -> "12.34".
std::string fixed(std::int64_t units, int scale) {
  std::string digits = std::to_string(units);
  if (static_cast<int>(digits.size()) <= scale) {
    digits.insert(0, static_cast<std::size_t>(scale + 1) - digits.size(), '0');
  }
  digits.insert(digits.size() - static_cast<std::size_t>(scale), ".");
  return digits;
}

// notional (10^-5) / filled (10^-3), half-even, in 10^-10 (price scale 2 + 8).
std::string average(Wide notional, std::int64_t filled) {
  const Wide n = notional * 100000000, q = n / filled, r = n % filled;
  Wide rounded = q;
  if (2 * r > filled || (2 * r == filled && q % 2 == 1)) ++rounded;
  return fixed(static_cast<std::int64_t>(rounded), 10);
}

struct Exec {
  std::string order_id;
  ExecKind kind;
  std::int64_t qty = 0, px = 0;
};

struct ModelOrder {
  std::string id, position_id;
  std::int64_t amount = 0, price = 0, filled = 0;
  Wide notional = 0;
  S status = S::Open;
  P position = P::Open;
  std::vector<std::string> journal;  // "FROM>TO:reason"
  ModelOrder* replaces = nullptr;
  ModelOrder* replaced_by = nullptr;
};

struct Model {
  std::deque<ModelOrder> orders;  // (a deque: links stay valid as it grows)
  std::map<std::string, Exec> execs;

  static void log(ModelOrder& o, S from, S to, const char* reason) {
    o.journal.push_back(std::string(to_string(from)) + ">" + to_string(to) + ":" + reason);
  }

  static bool working(S s) {
    return s == S::Open || s == S::PartiallyFilled || s == S::PendingNew || s == S::PendingCancel ||
           s == S::PendingReplace;
  }

  // What a call naming `o` acts on: while a replace waits for the venue the
  // new order stands for the old one. Venue reports first follow a chain of
  // REPLACED orders to its end.
  static ModelOrder& target(ModelOrder& o, bool report) {
    ModelOrder* t = &o;
    while (report && t->status == S::Replaced && t->replaced_by) t = t->replaced_by;
    if (t->status == S::PendingNew && t->replaces) t = t->replaces;
    // A replacement the replace never reached: the venue's reports are the old order's.
    if (report && t->status == S::Rejected && t->replaces && t->replaces->status != S::Replaced) {
      t = t->replaces;
    }
    return *t;
  }

  // After `o` left PENDING_REPLACE other than by a confirmed replace: the
  // order that was to replace it is rejected.
  static void settle(ModelOrder& o, S from) {
    if (from != S::PendingReplace || o.status == from || o.status == S::Replaced) return;
    log(*o.replaced_by, S::PendingNew, S::Rejected, "replace_rejected");
    o.replaced_by->status = S::Rejected;
  }

  // A new trade report; returns the code the service must answer.
  Outcome trade(ModelOrder& o, std::int64_t qty) {
    if (o.filled + qty > o.amount) return Errc::Conflict;
    const bool late = o.status == S::Canceled || o.status == S::Expired;
    if (!late && !working(o.status)) return Errc::NotOpen;
    return kOk;
  }
  void apply_trade(ModelOrder& o, std::int64_t qty, std::int64_t px) {
    const S from = o.status;
    const bool late = from == S::Canceled || from == S::Expired;
    o.filled += qty;
    o.notional += static_cast<Wide>(qty) * px;
    if (!late) {
      // While a cancel or replace is out a trade counts; only filling the
      // order ends it.
      o.status = o.filled == o.amount                                    ? S::Filled
                 : from == S::PendingCancel || from == S::PendingReplace ? from
                                                                         : S::PartiallyFilled;
    }
    if (o.position != P::Liquidated) o.position = P::Open;
    log(o, from, o.status, late ? "late_fill" : "trade");
    settle(o, from);
  }
  // Cancel (local or a venue report), expire, reject: from a working
  // status (reject: only before the venue took it, or while OPEN); the
  // position closes when nothing filled.
  Outcome end(ModelOrder& o, S to, const char* reason, bool venue) {
    if (venue && o.status == to) return kOk;  // a confirmation: nothing changes
    const bool allowed =
        to == S::Rejected ? (o.status == S::Open || o.status == S::PendingNew) : working(o.status);
    if (!allowed) return Errc::NotOpen;
    log(o, o.status, to, reason);
    if (o.filled == 0) o.position = P::Closed;
    const S from = o.status;
    o.status = to;
    settle(o, from);
    return kOk;
  }
  // The venue accepts (NEW) or refuses a cancel (CANCEL_REJECTED): each
  // moves only its pending status; any other status takes it as news.
  void accept(ModelOrder& o) {
    if (o.status != S::PendingNew) return;
    log(o, o.status, S::Open, "venue_accepted");
    o.status = S::Open;
  }
  void cancel_rejected(ModelOrder& o) {
    if (o.status != S::PendingCancel && o.status != S::PendingReplace) return;
    const S from = o.status, to = o.filled ? S::PartiallyFilled : S::Open;
    log(o, from, to, "cancel_rejected");
    o.status = to;
    settle(o, from);
  }
  // A replace of `o` (already the target) to `amount`: the new order, or the code.
  Outcome replace(ModelOrder& o, std::int64_t amount, bool pending) {
    if (o.status != S::Open && o.status != S::PartiallyFilled) return Errc::NotOpen;
    if (amount == o.amount) return Errc::InvalidArgument;  // changes nothing
    if (amount < o.filled) return Errc::Conflict;
    const S to = pending ? S::PendingReplace : S::Replaced;
    const char* reason = pending ? "replace_request" : "replace";
    log(o, o.status, to, reason);
    o.status = to;
    if (!pending) o.position = P::Closed;
    ModelOrder n;
    n.amount = amount;
    n.price = o.price;
    n.filled = pending ? 0 : o.filled;  // a pending one gets them when confirmed
    n.notional = pending ? 0 : o.notional;
    n.status = pending              ? S::PendingNew
               : n.filled == amount ? S::Filled
               : n.filled           ? S::PartiallyFilled
                                    : S::Open;
    n.position = pending ? P::Closed : P::Open;
    n.journal.push_back(std::string("->") + to_string(n.status) + ":" + reason);
    n.replaces = &o;
    orders.push_back(n);
    o.replaced_by = &orders.back();
    return kOk;
  }
  // The venue's REPLACED for `o` (the target).
  Outcome replaced(ModelOrder& o) {
    if (o.status != S::PendingReplace) {
      // A late answer about a replace the order took part in changes nothing.
      return (o.replaces || o.replaced_by) && o.status != S::PendingNew ? kOk
                                                                        : Outcome(Errc::NotOpen);
    }
    ModelOrder& n = *o.replaced_by;
    if (o.filled > n.amount) return Errc::Conflict;
    log(o, o.status, S::Replaced, "venue_replaced");
    o.status = S::Replaced;
    o.position = P::Closed;
    n.filled = o.filled;
    n.notional = o.notional;
    const S to = !n.filled ? S::Open : n.filled == n.amount ? S::Filled : S::PartiallyFilled;
    log(n, n.status, to, "venue_replaced");
    n.status = to;
    n.position = P::Open;
    return kOk;
  }
  Outcome request_cancel(ModelOrder& o) {
    if (o.status == S::PendingCancel) return kOk;  // asked again: as it is
    if (o.status != S::Open && o.status != S::PartiallyFilled) return Errc::NotOpen;
    log(o, o.status, S::PendingCancel, "cancel_request");
    o.status = S::PendingCancel;
    return kOk;
  }
  Outcome liquidate(ModelOrder& o) {
    if (o.position != P::Open) return Errc::NotOpen;
    const S from = o.status;
    if (working(from) || from == S::Filled) o.status = S::Closed;
    o.position = P::Liquidated;
    log(o, from, o.status, "liquidate");
    settle(o, from);
    return kOk;
  }
};

void compare(Service& s, const ModelOrder& m) {
  INFO("order " << m.id);
  const OrderRecord o = s.orders.get_order("acct", m.id).value();
  CHECK(o.status == m.status);
  CHECK(o.pending_since.has_value() == (m.status == S::PendingNew || m.status == S::PendingCancel ||
                                        m.status == S::PendingReplace));
  CHECK(o.replaces == (m.replaces ? std::optional(m.replaces->id) : std::nullopt));
  CHECK(o.replaced_by == (m.replaced_by ? std::optional(m.replaced_by->id) : std::nullopt));
  CHECK(o.amount == fixed(m.amount, 3));
  CHECK(o.filled_amount == (m.filled ? fixed(m.filled, 3) : std::string("0")));
  if (m.filled) {
    CHECK(o.average_fill_price.value() == average(m.notional, m.filled));
  } else {
    CHECK_FALSE(o.average_fill_price);
  }
  const bool working = Model::working(m.status);
  CHECK((Decimal::compare(remaining_amount(o),
                          *Decimal::parse(fixed(working ? m.amount - m.filled : 0, 3))) == 0));
  const PositionRecord p = s.orders.get_position("acct", m.position_id).value();
  CHECK(p.status == m.position);
  CHECK(p.size == (m.filled ? fixed(m.filled, 3) : fixed(m.amount, 3)));
  CHECK(p.entry_price == (m.filled ? average(m.notional, m.filled) : fixed(m.price, 2)));
  std::vector<std::string> journal;
  const auto events = s.orders.history("acct", m.id).value();
  for (const auto& e : events) {
    journal.push_back(std::string(e.from ? to_string(*e.from) : "-") + ">" + to_string(e.to) + ":" +
                      e.reason);
  }
  CHECK(journal == m.journal);
}

}  // namespace

TEST_CASE("random sequences of places, reports, cancels and liquidations match the model",
          "[orders][model]") {
  Service s;
  Model model;
  std::mt19937 rng(20261130);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  constexpr int kSteps = 5000;
  int next_exec = 0, successes = 0;
  for (int step = 0; step < kSteps; ++step) {
    INFO("step " << step);
    const int what = model.orders.size() < 3 ? 0 : pick(28);
    if (what == 0 || (what == 1 && model.orders.size() < 60)) {  // place
      ModelOrder m;
      m.amount = 1 + pick(40);
      m.price = 100 + pick(100000);
      PlaceRequest r{"x",     "BTC/USDT",         pick(2) ? "BUY" : "SELL",
                     "LIMIT", fixed(m.amount, 3), fixed(m.price, 2),
                     {}};
      r.pending = pick(2) == 0;  // the intent first, for the venue to answer
      auto placed = s.orders.place("acct", r);
      REQUIRE(placed.ok());
      m.id = placed->order.order_id;
      m.position_id = placed->position.position_id;
      m.status = r.pending ? S::PendingNew : S::Open;
      m.journal.push_back(std::string("->") + to_string(m.status) + ":place");
      model.orders.push_back(m);
      compare(s, model.orders.back());
      continue;
    }
    std::size_t index = static_cast<std::size_t>(pick(static_cast<int>(model.orders.size())));
    if (what == 21 || what == 22 || what == 26) {  // mostly at an order the report can move
      const S wanted = what == 21   ? S::PendingNew
                       : what == 26 ? S::PendingReplace
                       : pick(2)    ? S::PendingCancel
                                    : S::PendingReplace;
      for (std::size_t i = 0; i < model.orders.size() && pick(8) != 0; ++i) {
        const std::size_t j = (index + i) % model.orders.size();
        if (model.orders[j].status == wanted) {
          index = j;
          break;
        }
      }
    }
    ModelOrder& m = model.orders[index];
    Outcome want = kOk;
    Result<void> got = Ok{};
    bool want_replayed = false;
    std::optional<Result<Applied>> applied;
    if (what < 12) {  // a trade report: new (maybe past the amount), replayed, or reused
      const int kind = pick(10);
      if (kind < 3 && !model.execs.empty()) {
        auto it = model.execs.begin();
        std::advance(it, pick(static_cast<int>(model.execs.size())));
        const Exec& e = it->second;
        ExecutionReport r{.exec_id = it->first, .order_id = e.order_id, .kind = e.kind};
        if (e.kind == ExecKind::Trade) {
          r.last_amount = fixed(e.qty, 3);
          r.last_price = fixed(e.px, 2);
        }
        if (kind == 0) {  // the same exec_id, other content
          r.kind = ExecKind::Trade;
          r.last_amount = fixed(e.qty + 1, 3);
          r.last_price = fixed(e.px ? e.px : 100, 2);
          want = Errc::Conflict;
        } else {
          want_replayed = true;
        }
        applied = s.orders.apply_execution("acct", r);
      } else {
        ModelOrder& t = Model::target(m, true);
        const std::int64_t qty = 1 + pick(static_cast<int>(t.amount - t.filled) + 2);
        const std::int64_t px = 100 + pick(100000);
        const std::string exec_id = "E" + std::to_string(next_exec++);
        want = model.trade(t, qty);
        applied = s.orders.apply_execution("acct", {.exec_id = exec_id,
                                                    .order_id = m.id,
                                                    .kind = ExecKind::Trade,
                                                    .last_amount = fixed(qty, 3),
                                                    .last_price = fixed(px, 2)});
        if (want == kOk) {
          model.apply_trade(t, qty, px);
          model.execs[exec_id] = {m.id, ExecKind::Trade, qty, px};
        }
      }
    } else if (what < 17) {  // an end: local cancel or a venue report
      static constexpr struct {
        S to;
        ExecKind kind;
        const char* reason;
      } kEnds[] = {{S::Canceled, ExecKind::Canceled, "venue_canceled"},
                   {S::Expired, ExecKind::Expired, "expire"},
                   {S::Rejected, ExecKind::Rejected, "reject"}};
      if (what < 14) {
        want = model.end(Model::target(m, false), S::Canceled, "cancel", false);
        auto r = s.orders.cancel("acct", m.id);
        got = r.ok() ? Result<void>(Ok{}) : r.error();
      } else {
        const auto& e = kEnds[what - 14];
        const std::string exec_id = "E" + std::to_string(next_exec++);
        want = model.end(Model::target(m, true), e.to, e.reason, true);
        applied = s.orders.apply_execution("acct",
                                           {.exec_id = exec_id, .order_id = m.id, .kind = e.kind});
        if (want == kOk) model.execs[exec_id] = {m.id, e.kind};
      }
    } else if (what == 19 || what == 20) {  // ask the venue to cancel
      want = model.request_cancel(Model::target(m, false));
      auto r = s.orders.request_cancel("acct", m.id);
      got = r.ok() ? Result<void>(Ok{}) : r.error();
    } else if (what == 21 || what == 22) {  // the venue: NEW, or CANCEL_REJECTED
      const ExecKind kind = what == 21 ? ExecKind::New : ExecKind::CancelRejected;
      const std::string exec_id = "E" + std::to_string(next_exec++);
      if (kind == ExecKind::New) {
        model.accept(Model::target(m, true));
      } else {
        model.cancel_rejected(Model::target(m, true));
      }
      applied =
          s.orders.apply_execution("acct", {.exec_id = exec_id, .order_id = m.id, .kind = kind});
      model.execs[exec_id] = {m.id, kind};
    } else if (what == 24 || what == 25) {  // replace (amend) the amount, now or asked
      ModelOrder& t = Model::target(m, false);
      const bool pending = what == 25;
      const std::int64_t amount = std::max<std::int64_t>(1, t.filled - 2 + pick(40));
      want = model.replace(t, amount, pending);
      auto r = s.orders.replace("acct", m.id, {.amount = fixed(amount, 3), .pending = pending});
      got = r.ok() ? Result<void>(Ok{}) : r.error();
      if (r.ok() && want == kOk) {
        model.orders.back().id = r->order.order_id;
        model.orders.back().position_id = r->position.position_id;
      }
    } else if (what == 26) {  // the venue: REPLACED
      const std::string exec_id = "E" + std::to_string(next_exec++);
      want = model.replaced(Model::target(m, true));
      applied = s.orders.apply_execution(
          "acct", {.exec_id = exec_id, .order_id = m.id, .kind = ExecKind::Replaced});
      if (want == kOk) model.execs[exec_id] = {m.id, ExecKind::Replaced};
    } else {  // liquidate the order's position
      want = model.liquidate(m);
      auto r = s.orders.liquidate("acct", m.position_id);
      got = r.ok() ? Result<void>(Ok{}) : r.error();
    }
    if (applied) {
      got = applied->ok() ? Result<void>(Ok{}) : applied->error();
      if (applied->ok()) CHECK((*applied)->replayed == want_replayed);
    }
    CHECK((got.ok() ? kOk : Outcome(got.code())) == want);
    successes += got.ok();
    // The order named, what it stood for, and both their links.
    for (ModelOrder* touched : {&m, &Model::target(m, true)}) {
      for (ModelOrder* each : {touched, touched->replaces, touched->replaced_by}) {
        if (each) compare(s, *each);
      }
    }
    if (step % 250 == 249) {
      for (const auto& each : model.orders) compare(s, each);
    }
  }
  // A replace chain's fills add up: the order that holds them (the chain
  // followed through REPLACED orders) has filled exactly the trades reported
  // for any order of the chain, as the service reads it.
  std::map<const ModelOrder*, std::int64_t> traded;
  for (const auto& [exec_id, e] : model.execs) {
    if (e.kind != ExecKind::Trade) continue;
    for (auto& o : model.orders) {
      if (o.id != e.order_id) continue;
      const ModelOrder* head = &o;
      while (head->replaces) head = head->replaces;
      traded[head] += e.qty;
    }
  }
  int chains = 0;
  for (auto& o : model.orders) {
    if (o.replaces || !o.replaced_by) continue;
    ++chains;
    std::string id = o.id;
    for (auto got = s.orders.get_order("acct", id).value();
         got.status == S::Replaced && got.replaced_by;
         got = s.orders.get_order("acct", id).value()) {
      id = *got.replaced_by;
    }
    INFO("chain from " << o.id << " held by " << id);
    const auto holder = s.orders.get_order("acct", id).value();
    CHECK(holder.filled_amount == (traded[&o] ? fixed(traded[&o], 3) : std::string("0")));
  }
  CHECK(chains >= 10);
  // The sequence exercised every path, not only refusals.
  CHECK(successes > kSteps / 4);
  std::map<std::string, int> reasons;
  for (const auto& o : model.orders) {
    for (const auto& line : o.journal) ++reasons[line.substr(line.find(':') + 1)];
  }
  INFO("reasons seen: " << reasons.size());
  for (const char* reason :
       {"place", "trade", "late_fill", "cancel", "venue_canceled", "expire", "reject", "liquidate",
        "venue_accepted", "cancel_request", "cancel_rejected", "replace", "replace_request",
        "venue_replaced", "replace_rejected"}) {
    INFO(reason);
    CHECK(reasons[reason] >= 10);
  }
}
