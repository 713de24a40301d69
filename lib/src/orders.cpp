#include "orderstate/orders.hpp"

#include <algorithm>

#include "orderstate/decimal.hpp"
#include "orderstate/ids.hpp"
#include "orderstate/state_machine.hpp"
#include "orderstate/text.hpp"

namespace orderstate {
namespace {

// Exchange, symbol, client_order_id: 1..kMaxTextLength bytes of clean text
// (text.hpp: UTF-8, no control character, no leading or trailing space).
Result<void> check_text(std::string_view what, std::string_view value) {
  if (value.empty() || value.size() > kMaxTextLength || !is_clean_text(value)) {
    return invalid_argument(std::string(what) + " must be 1 to 64 bytes of printable text");
  }
  return Ok{};
}

Result<void> check_account(std::string_view account) {
  if (account.empty()) return invalid_argument("account is required");
  // A C string ends there: PostgreSQL's client library would store a shorter
  // account than the caller named.
  if (account.find('\0') != std::string_view::npos) {
    return invalid_argument("account must not contain a NUL byte");
  }
  return Ok{};
}

Result<void> check_id(IdKind kind, std::string_view id) {
  if (!parse_id(kind, id)) {
    return invalid_argument(kind == IdKind::Order ? "malformed order id" : "malformed position id");
  }
  return Ok{};
}

// A symbol filter as the one whitespace rule reads it (text.hpp): trimmed,
// and no filter when nothing is left.
std::optional<std::string> symbol_filter(const std::optional<std::string>& symbol) {
  if (!symbol) return std::nullopt;
  const std::string_view text = trim_blanks(*symbol);
  return text.empty() ? std::nullopt : std::optional<std::string>(text);
}

Result<void> check_symbol(const std::optional<std::string>& symbol) {
  return symbol ? check_text("symbol", *symbol) : Result<void>(Ok{});
}

// What one transition needs besides the order.
struct Step {
  Action action;
  const std::string& at;
  const char* reason;
};

Result<void> settle_replace(WriteTx& tx, OrderStatus from, const OrderRecord& old,
                            const std::string& at);

// Moves the order along `t` if it is in `from`: a compare-and-set on the
// order (one round trip), then its position, then the journal. On success
// `out` holds the order as it now is. False: the order was not in `from`.
// `t` may carry only_if_unfilled (decided here, on the order as it is), not
// resumes (the caller resolves that with the order it read).
Result<bool> move(WriteTx& tx, std::string_view account, std::string_view order_id,
                  OrderStatus from, Transition t, const Step& step, OrderRecord& out) {
  const std::optional<std::string> pending =
      is_in_flight(t.order_to) ? std::optional<std::string>(step.at) : std::nullopt;
  // Under the write lock an order's position moves with it; a miss is a broken store.
  auto broken = [&] { return storage_error("position not in expected state: " + out.position_id); };
  if (t.position_to && !t.only_if_unfilled) {  // both known now: one call
    auto moved =
        tx.set_order_and_position_status(account, order_id, from, t.order_to, step.at, pending,
                                         t.position_from.value_or(*t.position_to), *t.position_to);
    if (!moved.ok()) return moved.error();
    if (!moved->order) return false;
    out = std::move(*moved->order);
    if (!moved->position_moved) return broken();
  } else {
    auto moved = tx.set_order_status(account, order_id, from, t.order_to, step.at, pending);
    if (!moved.ok()) return moved.error();
    if (!*moved) return false;
    out = std::move(**moved);
    if (t.only_if_unfilled && out.filled_amount.is_positive()) t.position_to.reset();
    if (t.position_to) {
      auto pos = tx.set_position_status(out.position_id, t.position_from.value_or(*t.position_to),
                                        *t.position_to, step.at);
      if (!pos.ok()) return pos.error();
      if (!*pos) return broken();
    }
  }
  auto logged = tx.append_event(out, from, step.reason);
  if (!logged.ok()) return logged.error();
  if (auto ok = settle_replace(tx, from, out, step.at); !ok) return ok.error();
  return true;
}

// The order a PENDING_NEW order that replaces another stands for: while a
// replace waits for the venue (the old order PENDING_REPLACE), the venue
// still works the old order, so everything addressed to the new one acts on
// the old one; the outcome reaches the new one through settle_replace.
Result<OrderRecord> working_half(WriteTx& tx, OrderRecord order) {
  if (order.status != OrderStatus::PendingNew || !order.replaces) return order;
  return tx.find_order(order.account_id, *order.replaces);
}

// For a venue's report: also a replacement the replace never reached (its
// old order ended otherwise, so it was REJECTED): the venue's fills and
// answers are the old order's.
Result<OrderRecord> reported_half(WriteTx& tx, OrderRecord order) {
  if (order.status != OrderStatus::Rejected || !order.replaces) {
    return working_half(tx, std::move(order));
  }
  auto old = tx.find_order(order.account_id, *order.replaces);
  if (!old.ok()) return old.error();
  const bool never_live =
      old->replaced_by == order.order_id && old->status != OrderStatus::Replaced;
  return never_live ? std::move(old).value() : order;
}

// After `old` left PENDING_REPLACE (from `from`): the venue's answer reaches
// the order that was to replace it. A confirmed replace makes the new order
// work, with every fill of the old one (those during the wait included)
// carried over and its position open; any other end of the old order (the
// replace refused, a cancel, a fill of the rest, an expiry) rejects the new
// one. Its position was never opened, so it stays CLOSED.
Result<void> settle_replace(WriteTx& tx, OrderStatus from, const OrderRecord& old,
                            const std::string& at) {
  if (from != OrderStatus::PendingReplace || old.status == from || !old.replaced_by) return Ok{};
  auto found = tx.find_order(old.account_id, *old.replaced_by);
  if (!found.ok()) return found.error();
  const OrderRecord& replacement = *found;
  if (replacement.status != OrderStatus::PendingNew) return Ok{};
  if (old.status != OrderStatus::Replaced) {
    auto t = next(replacement, Action::Reject);
    if (!t) return storage_error("pending replacement cannot be rejected: " + replacement.order_id);
    t->position_to.reset();
    OrderRecord rejected;
    auto moved = move(tx, replacement.account_id, replacement.order_id, replacement.status, *t,
                      {Action::Reject, at, "replace_rejected"}, rejected);
    if (!moved.ok()) return moved.error();
    return *moved ? Result<void>(Ok{}) : storage_error("order changed under the write lock");
  }
  const auto vs_amount = Decimal::compare(old.filled_amount, replacement.amount);
  if (vs_amount > 0) return Error{Errc::Conflict, kAmountBelowFilled};
  const bool filled = old.filled_amount.is_positive();
  const Action action = !filled          ? Action::Accept
                        : vs_amount == 0 ? Action::Fill
                                         : Action::PartialFill;
  const auto t = next(replacement, action);
  if (!t) return storage_error("pending replacement cannot start: " + replacement.order_id);
  OrderRecord after = replacement;
  after.status = t->order_to;
  after.updated_at = at;
  after.pending_since.reset();
  after.filled_amount = old.filled_amount;
  after.filled_notional = old.filled_notional;
  after.average_fill_price = old.average_fill_price;
  if (filled) {
    auto moved = tx.set_order_fill(replacement.status, replacement.filled_amount, after);
    if (!moved.ok()) return moved.error();
    if (!*moved)
      return storage_error("order changed under the write lock: " + replacement.order_id);
    auto pos = tx.set_position_fill(after.position_id, after.filled_amount,
                                    *after.average_fill_price, at, true);
    if (!pos.ok()) return pos.error();
    if (!*pos) return storage_error("position missing: " + after.position_id);
  } else {
    auto moved = tx.set_order_status(replacement.account_id, replacement.order_id,
                                     replacement.status, after.status, at, std::nullopt);
    if (!moved.ok()) return moved.error();
    if (!*moved)
      return storage_error("order changed under the write lock: " + replacement.order_id);
    auto pos =
        tx.set_position_status(after.position_id, PositionStatus::Closed, PositionStatus::Open, at);
    if (!pos.ok()) return pos.error();
    if (!*pos) return storage_error("position not in expected state: " + after.position_id);
  }
  return tx.append_event(after, replacement.status, "venue_replaced");
}

// move() by the table's row for `from`; nullopt: no row, or not in `from`.
Result<std::optional<Transition>> try_apply(WriteTx& tx, std::string_view account,
                                            std::string_view order_id, OrderStatus from,
                                            const Step& step, OrderRecord& out) {
  const auto t = next(from, step.action);
  if (!t) return std::optional<Transition>();
  auto moved = move(tx, account, order_id, from, *t, step, out);
  if (!moved.ok()) return moved.error();
  return *moved ? t : std::nullopt;
}

// Applies `step` to the account's order whatever its status: tries each
// status the state machine allows it from, so the common case is one round
// trip; only when none matched does it read the order to tell NotFound from
// NotOpen. PENDING_NEW is read first: it may stand for a replaced order
// (working_half).
Result<Transition> apply(WriteTx& tx, std::string_view account, std::string_view order_id,
                         const Step& step, OrderRecord& out) {
  for (OrderStatus from : allowed_from(step.action)) {
    if (from == OrderStatus::PendingNew) continue;
    auto t = try_apply(tx, account, order_id, from, step, out);
    if (!t.ok()) return t.error();
    if (*t) return **t;
  }
  auto order = tx.find_order(account, order_id);
  if (!order.ok()) return order.error();
  if (order->status == OrderStatus::PendingNew && next(order->status, step.action)) {
    if (order->replaces) return apply(tx, account, *order->replaces, step, out);
    auto t = try_apply(tx, account, order_id, order->status, step, out);
    if (!t.ok()) return t.error();
    if (*t) return **t;
  }
  return not_open("order is not open");
}

// Liquidates `position` (and its order) inside a unit of work.
Result<void> liquidate_one(WriteTx& tx, std::string_view account, PositionRecord& position,
                           const Step& step) {
  // A CANCELED order's position may be CLOSED (nothing filled) or OPEN (a
  // part did): only an OPEN one can be liquidated.
  if (position.status != PositionStatus::Open) return not_open("position is not open");
  OrderRecord order;
  auto t = apply(tx, account, position.order_id, step, order);
  if (!t.ok()) return t.error();
  position.status = t->position_to.value_or(position.status);
  position.updated_at = step.at;
  return Ok{};
}

// An exact replay of a place: the same exchange, symbol, side, type and the
// same decimal text for amount and price ("0.010" is not "0.01": the
// idempotency key promises the same request, byte for byte in meaning and form).
bool same_parameters(const OrderRecord& o, const PlaceRequest& r, Side side, OrderType type,
                     const Decimal& amount, const Decimal& price, TimeInForce tif,
                     const std::optional<std::string>& expire_at) {
  return o.exchange == r.exchange && o.symbol == r.symbol && o.side == side && o.type == type &&
         o.amount == amount && o.price == price && o.time_in_force == tif &&
         // A DAY order's expiry is the session end after its own placing.
         (tif == TimeInForce::Day || o.expire_at == expire_at);
}

// The average fill price after a trade: notional / filled, half-even, to the
// largest price scale seen so far + 8 (the previous average carries that
// scale + 8).
Decimal average_price(const OrderRecord& o, const Decimal& notional, const Decimal& filled,
                      const Decimal& last_price) {
  const int seen = o.average_fill_price ? o.average_fill_price->scale() - 8 : 0;
  return *Decimal::divide(notional, filled, std::max(seen, last_price.scale()) + 8);
}

// A TRADE on `order` (locked by the caller's unit): the state machine picks
// PartialFill, Fill or LateFill; the order, its position and the journal
// move together.
Result<void> apply_trade(WriteTx& tx, const ExecutionRecord& e, const OrderRecord& order,
                         const std::string& at, OrderRecord& out) {
  const Decimal filled = Decimal::add(order.filled_amount, e.last_amount);
  const auto vs_amount = Decimal::compare(filled, order.amount);
  if (vs_amount > 0) return Error{Errc::Conflict, kFillExceedsAmount};
  Action action = vs_amount == 0 ? Action::Fill : Action::PartialFill;
  if (next(order.status, Action::LateFill)) action = Action::LateFill;
  const auto t = next(order.status, action);
  if (!t) return not_open("order is not open");
  out = order;
  out.status = t->order_to;
  out.updated_at = at;
  // A trade during PENDING_CANCEL keeps the intent's age; any other leaves flight.
  if (!is_in_flight(out.status)) out.pending_since.reset();
  out.filled_amount = filled;
  out.filled_notional =
      Decimal::add(order.filled_notional, Decimal::multiply(e.last_amount, e.last_price));
  out.average_fill_price = average_price(order, out.filled_notional, filled, e.last_price);
  auto moved = tx.set_order_fill(order.status, order.filled_amount, out);
  if (!moved.ok()) return moved.error();
  // The unit holds the order (its lock, or SQLite's single writer).
  if (!*moved) return storage_error("order changed under the write lock: " + order.order_id);
  // Only a late fill of an order that had none finds its position CLOSED.
  const bool reopen = action == Action::LateFill && order.filled_amount.is_zero();
  auto pos = tx.set_position_fill(out.position_id, filled, *out.average_fill_price, at, reopen);
  if (!pos.ok()) return pos.error();
  if (!*pos) return storage_error("position missing: " + out.position_id);
  auto logged =
      tx.append_event(out, order.status, action == Action::LateFill ? "late_fill" : "trade");
  if (!logged.ok()) return logged.error();
  return settle_replace(tx, order.status, out, at);
}

// Records `e` once, then applies it to `order` (locked by the unit).
Result<void> apply_report(WriteTx& tx, const ExecutionRecord& e, const OrderRecord& order,
                          const std::string& at, Applied& out) {
  auto inserted = tx.insert_execution(e);
  if (!inserted.ok()) return inserted.error();
  if (!*inserted) {
    auto seen = tx.find_execution(e.account_id, e.exec_id);
    if (!seen.ok()) return seen.error();
    if (*seen != e) return Error{Errc::Conflict, kExecIdReused};
    out = {order, true};
    return Ok{};
  }
  out.replayed = false;
  if (e.kind == ExecKind::Trade) return apply_trade(tx, e, order, at, out.order);
  // Each other kind: its action, and when it changes nothing. A venue
  // confirming what is already so (our own cancel), or answering late (a NEW
  // for an order that already traded, a cancel reject once the order is no
  // longer PENDING_CANCEL), is recorded and leaves the order as it is.
  static constexpr struct {
    ExecKind kind;
    Action action;
    const char* reason;
  } kKinds[] = {{ExecKind::Canceled, Action::Cancel, "venue_canceled"},
                {ExecKind::Expired, Action::Expire, "expire"},
                {ExecKind::Rejected, Action::Reject, "reject"},
                {ExecKind::New, Action::Accept, "venue_accepted"},
                {ExecKind::CancelRejected, Action::CancelReject, "cancel_rejected"},
                {ExecKind::Replaced, Action::ConfirmReplace, "venue_replaced"}};
  for (const auto& kind : kKinds) {
    if (kind.kind != e.kind) continue;
    const auto t = next(order, kind.action);
    const bool confirms =
        (e.kind == ExecKind::Canceled && order.status == OrderStatus::Canceled) ||
        (e.kind == ExecKind::Expired && order.status == OrderStatus::Expired) ||
        (e.kind == ExecKind::Rejected && order.status == OrderStatus::Rejected) ||
        (e.kind == ExecKind::New && order.status != OrderStatus::PendingNew) ||
        (e.kind == ExecKind::CancelRejected && order.status != OrderStatus::PendingCancel) ||
        // (a late answer about a replace this order took part in)
        (e.kind == ExecKind::Replaced && (order.replaces || order.replaced_by) &&
         order.status != OrderStatus::PendingNew);
    if (!t && confirms) {
      out.order = order;
      return Ok{};
    }
    if (!t) return not_open("order is not open");
    const Step step{kind.action, at, kind.reason};
    auto moved = move(tx, order.account_id, order.order_id, order.status, *t, step, out.order);
    if (!moved.ok()) return moved.error();
    if (!*moved) return storage_error("order changed under the write lock: " + order.order_id);
    return Ok{};
  }
  return invalid_argument("unknown execution kind");
}

}  // namespace

Result<Placed> Orders::place(std::string_view account, const PlaceRequest& request) {
  PlaceRequest r = request;  // text fields by the one whitespace rule (text.hpp)
  r.exchange = trim_blanks(r.exchange);
  r.symbol = trim_blanks(r.symbol);
  if (r.client_order_id) r.client_order_id = std::string(trim_blanks(*r.client_order_id));
  if (auto ok = check_account(account); !ok) return ok.error();
  if (auto ok = check_text("exchange", r.exchange); !ok) return ok.error();
  if (auto ok = check_text("symbol", r.symbol); !ok) return ok.error();
  if (r.client_order_id) {
    if (auto ok = check_text("client_order_id", *r.client_order_id); !ok) return ok.error();
  }
  const auto amount = Decimal::parse(r.amount);
  if (!amount) return invalid_argument("amount must be a decimal number");
  if (!amount->is_positive()) return invalid_argument(kAmountNotPositive);
  const auto side = parse_side_input(r.side);
  if (!side) return invalid_argument(kBadSide);
  const auto type = parse_order_type_input(r.type);
  if (!type) return invalid_argument(kBadType);
  const auto tif = parse_time_in_force_input(r.time_in_force);
  if (!tif) return invalid_argument("time_in_force must be GTC, IOC, FOK, DAY or GTD");
  std::optional<std::string> expire_at;
  if (*tif == TimeInForce::Gtd) {
    const auto t = r.expire_at ? parse_rfc3339(*r.expire_at) : std::nullopt;
    if (!t) return invalid_argument("expire_at must be an RFC 3339 UTC time for GTD orders");
    if (*t <= clock_.now()) return invalid_argument("expire_at must be in the future");
    expire_at = format_rfc3339(*t);
  } else if (r.expire_at) {
    return invalid_argument("expire_at is only for GTD orders");
  } else if (*tif == TimeInForce::Day) {
    // The session end after now (FIX: a DAY order ends with its trading day).
    const std::int64_t now = clock_.now(), day = 86400;
    std::int64_t end = now - now % day + options_.session_end_utc_s;
    if (end <= now) end += day;
    expire_at = format_rfc3339(end);
  }
  const auto price = r.price.empty() ? std::optional<Decimal>(Decimal()) : Decimal::parse(r.price);
  if (!price) return invalid_argument("price must be a decimal number");
  if (*type == OrderType::Limit && !price->is_positive()) {
    return invalid_argument(kLimitPriceNotPositive);
  }
  if (price->is_negative()) return invalid_argument("price must not be negative");

  Placed placed;
  const std::int64_t now = clock_.now();
  auto written = commit(account, [&](WriteTx& tx) -> Result<void> {
    if (r.client_order_id) {
      auto existing = tx.find_order_by_client_id(account, *r.client_order_id);
      if (existing.ok() &&
          !same_parameters(*existing, r, *side, *type, *amount, *price, *tif, expire_at)) {
        return Error{Errc::Conflict, std::string(kClientOrderIdReused)};
      }
      if (existing.ok()) {
        auto position = tx.find_position(account, existing->position_id);
        if (!position.ok()) return position.error();
        placed = {std::move(existing).value(), std::move(position).value(), true};
        return Ok{};
      }
      if (existing.code() != Errc::NotFound) return existing.error();
    }
    auto seq = tx.next_sequence();
    if (!seq.ok()) return seq.error();
    const std::string at = format_rfc3339(now);
    OrderRecord& o = placed.order;
    o = {format_id(IdKind::Order, now, *seq),
         format_id(IdKind::Position, now, *seq),
         std::string(account),
         r.client_order_id,
         r.exchange,
         r.symbol,
         *side,
         *type,
         *amount,
         *price,
         r.pending ? OrderStatus::PendingNew : OrderStatus::Open,
         at,
         at,
         *tif,
         expire_at,
         Decimal(),
         Decimal(),
         std::nullopt,
         r.pending ? std::optional<std::string>(at) : std::nullopt,
         std::nullopt,
         std::nullopt};
    placed.position = {
        o.position_id, o.order_id, o.account_id,         o.exchange, o.symbol, o.side,
        o.amount,      o.price,    PositionStatus::Open, at,         at};
    placed.replayed = false;
    if (auto ok = tx.insert(o, placed.position); !ok) return ok;
    return tx.append_event(o, std::nullopt, "place");
  });
  if (!written.ok()) return written.error();
  return placed;
}

Result<OrderRecord> Orders::request_cancel(std::string_view account, std::string_view order_id) {
  if (auto ok = check_account(account); !ok) return ok.error();
  if (auto ok = check_id(IdKind::Order, order_id); !ok) return ok.error();
  const std::string at = format_rfc3339(clock_.now());
  const Step step{Action::RequestCancel, at, "cancel_request"};
  OrderRecord out;
  auto written = commit(account, [&](WriteTx& tx) -> Result<void> {
    auto found = tx.find_order(account, order_id);
    if (!found.ok()) return found.error();
    auto order = working_half(tx, std::move(found).value());
    if (!order.ok()) return order.error();
    // Asked again while the first request is out: the state as it is.
    if (order->status == OrderStatus::PendingCancel) {
      out = std::move(order).value();
      return Ok{};
    }
    const auto t = next(*order, Action::RequestCancel);
    if (!t) return not_open("order is not open");
    auto moved = move(tx, account, order->order_id, order->status, *t, step, out);
    if (!moved.ok()) return moved.error();
    return *moved ? Result<void>(Ok{}) : storage_error("order changed under the write lock");
  });
  if (!written.ok()) return written.error();
  return out;
}

Result<std::vector<OrderRecord>> Orders::expire_due(std::int64_t now, int limit) {
  if (limit < 1) return invalid_argument("limit must be at least 1");
  const std::string at = format_rfc3339(now);
  const Step step{Action::Expire, at, "expire"};
  std::vector<OrderRecord> out;
  auto written = repo_.write([&](WriteTx& tx) -> Result<void> {
    out.clear();  // a unit may run again
    auto due = tx.orders_due(allowed_from(Action::Expire), at, limit);
    if (!due.ok()) return due.error();
    for (OrderRecord& order : *due) {
      const auto t = next(order.status, Action::Expire);
      if (!t) continue;  // (the query asked for these statuses only)
      // A pending replacement ends with the order it replaces (same expiry).
      if (order.status == OrderStatus::PendingNew && order.replaces) continue;
      OrderRecord moved_to;
      auto moved = move(tx, order.account_id, order.order_id, order.status, *t, step, moved_to);
      if (!moved.ok()) return moved.error();
      if (*moved) out.push_back(std::move(moved_to));
    }
    return Ok{};
  });
  if (!written.ok()) return written.error();
  for (const OrderRecord& o : out) bus_.publish(o.account_id);
  return out;
}

Result<OrderPage> Orders::in_flight(std::string_view account, std::int64_t older_than_s, int limit,
                                    const std::optional<std::string>& cursor) {
  if (auto ok = check_account(account); !ok) return ok.error();
  if (older_than_s < 0) return invalid_argument("older_than must not be negative");
  if (limit < 1 || limit > kMaxListLimit) {
    return invalid_argument("limit must be between 1 and 1000");
  }
  // The cursor is "<pending_since>_<order_id>" of the last order of a page.
  std::optional<InFlightCursor> after;
  if (cursor) {
    const auto cut = cursor->find('_');
    const auto since =
        cut == std::string::npos ? std::nullopt : parse_rfc3339(cursor->substr(0, cut));
    const auto id = since ? parse_id(IdKind::Order, cursor->substr(cut + 1)) : std::nullopt;
    if (!id) return invalid_argument("malformed cursor");
    after = InFlightCursor{format_rfc3339(*since), id->seq};
  }
  static constexpr OrderStatus kInFlight[] = {OrderStatus::PendingNew, OrderStatus::PendingCancel,
                                              OrderStatus::PendingReplace};
  auto orders = repo_.pending_orders(account, kInFlight,
                                     format_rfc3339(clock_.now() - older_than_s), limit, after);
  if (!orders.ok()) return orders.error();
  OrderPage page{std::move(orders).value(), std::nullopt};
  if (static_cast<int>(page.orders.size()) == limit) {
    const OrderRecord& last = page.orders.back();
    page.next_cursor = last.pending_since.value_or("") + "_" + last.order_id;
  }
  return page;
}

Result<OrderRecord> Orders::cancel(std::string_view account, std::string_view order_id) {
  if (auto ok = check_account(account); !ok) return ok.error();
  if (auto ok = check_id(IdKind::Order, order_id); !ok) return ok.error();
  const std::string at = format_rfc3339(clock_.now());
  const Step step{Action::Cancel, at, "cancel"};
  OrderRecord out;
  auto written = commit(account, [&](WriteTx& tx) -> Result<void> {
    auto t = apply(tx, account, order_id, step, out);
    return t.ok() ? Result<void>(Ok{}) : t.error();
  });
  if (!written.ok()) return written.error();
  return out;
}

Result<OrderRecord> Orders::cancel_by_client_id(std::string_view account, std::string_view text) {
  const std::string_view client_order_id = trim_blanks(text);
  if (auto ok = check_account(account); !ok) return ok.error();
  if (auto ok = check_text("client_order_id", client_order_id); !ok) return ok.error();
  const std::string at = format_rfc3339(clock_.now());
  const Step step{Action::Cancel, at, "cancel"};
  OrderRecord out;
  auto written = commit(account, [&](WriteTx& tx) -> Result<void> {
    auto order = tx.find_order_by_client_id(account, client_order_id);
    if (!order.ok()) return order.error();
    auto t = apply(tx, account, order->order_id, step, out);
    return t.ok() ? Result<void>(Ok{}) : t.error();
  });
  if (!written.ok()) return written.error();
  return out;
}

Result<std::vector<OrderRecord>> Orders::cancel_all(std::string_view account,
                                                    const std::optional<std::string>& filter) {
  const std::optional<std::string> symbol = symbol_filter(filter);
  if (auto ok = check_account(account); !ok) return ok.error();
  if (auto ok = check_symbol(symbol); !ok) return ok.error();
  const std::string at = format_rfc3339(clock_.now());
  std::vector<OrderRecord> out;
  auto written = commit(account, [&](WriteTx& tx) -> Result<void> {
    auto orders = tx.orders_in(account, allowed_from(Action::Cancel), symbol);
    if (!orders.ok()) return orders.error();
    const Step step{Action::Cancel, at, "cancel_all"};
    // A pending replacement ends with the order it replaces.
    std::erase_if(*orders, [](const OrderRecord& o) {
      return o.status == OrderStatus::PendingNew && o.replaces;
    });
    for (OrderRecord& order : *orders) {
      const std::string id = order.order_id;
      auto t = try_apply(tx, account, id, order.status, step, order);
      if (!t.ok()) return t.error();
      if (!*t) return storage_error("order changed under the write lock: " + id);
    }
    out = std::move(orders).value();
    return Ok{};
  });
  if (!written.ok()) return written.error();
  return out;
}

Result<Applied> Orders::apply_execution(std::string_view account, const ExecutionReport& r) {
  if (auto ok = check_account(account); !ok) return ok.error();
  if (auto ok = check_text("exec_id", r.exec_id); !ok) return ok.error();
  if (!r.order_id && !r.client_order_id) {
    return invalid_argument("order_id or client_order_id is required");
  }
  if (r.order_id) {
    if (auto ok = check_id(IdKind::Order, *r.order_id); !ok) return ok.error();
  }
  if (r.client_order_id) {
    if (auto ok = check_text("client_order_id", *r.client_order_id); !ok) return ok.error();
  }
  ExecutionRecord e{std::string(account), r.exec_id, {}, r.kind, {}, {}, {}};
  if (r.kind == ExecKind::Trade) {
    const auto amount = Decimal::parse(r.last_amount);
    const auto price = Decimal::parse(r.last_price);
    if (!amount || !amount->is_positive()) {
      return invalid_argument("last_amount must be a decimal number greater than zero");
    }
    if (!price || !price->is_positive()) {
      return invalid_argument("last_price must be a decimal number greater than zero");
    }
    e.last_amount = *amount;
    e.last_price = *price;
  } else if (!r.last_amount.empty() || !r.last_price.empty()) {
    return invalid_argument("last_amount and last_price are only for TRADE reports");
  }
  if (r.at) {
    const auto t = parse_rfc3339(*r.at);
    if (!t) return invalid_argument("at must be an RFC 3339 UTC time");
    e.at = format_rfc3339(*t);
  }
  const std::string at = format_rfc3339(clock_.now());
  Applied out;
  auto written = commit(account, [&](WriteTx& tx) -> Result<void> {
    auto order = r.order_id ? tx.find_order(account, *r.order_id)
                            : tx.find_order_by_client_id(account, *r.client_order_id);
    if (!order.ok()) return order.error();
    if (r.order_id && r.client_order_id && order->client_order_id != r.client_order_id) {
      return invalid_argument("order_id and client_order_id name different orders");
    }
    e.order_id = order->order_id;  // the report as sent: what a replay must repeat
    // A replaced order's fills arrive for the order that replaced it: follow
    // the chain to its end (bounded: a chain is never longer than the orders
    // in it, and a corrupt loop must not hang the writer).
    OrderRecord live = std::move(order).value();
    for (int hops = 0; live.status == OrderStatus::Replaced && live.replaced_by; ++hops) {
      if (hops > 10000) return storage_error("replace chain too long: " + e.order_id);
      auto next_order = tx.find_order(account, *live.replaced_by);
      if (!next_order.ok()) return next_order.error();
      live = std::move(next_order).value();
    }
    auto working = reported_half(tx, std::move(live));
    if (!working.ok()) return working.error();
    return apply_report(tx, e, *working, at, out);
  });
  if (!written.ok()) return written.error();
  return out;
}

Result<Replaced> Orders::replace(std::string_view account, std::string_view order_id,
                                 const ReplaceRequest& r) {
  if (auto ok = check_account(account); !ok) return ok.error();
  if (auto ok = check_id(IdKind::Order, order_id); !ok) return ok.error();
  std::optional<Decimal> amount, price, expect;
  if (r.amount) {
    amount = Decimal::parse(*r.amount);
    if (!amount) return invalid_argument("amount must be a decimal number");
    if (!amount->is_positive()) return invalid_argument(kAmountNotPositive);
  }
  if (r.price) {
    price = Decimal::parse(*r.price);
    if (!price || price->is_negative()) return invalid_argument("price must be a decimal number");
  }
  if (r.expect_filled_amount) {
    expect = Decimal::parse(*r.expect_filled_amount);
    if (!expect || expect->is_negative()) {
      return invalid_argument("expect_filled_amount must be a decimal number");
    }
  }
  std::optional<std::string> client_order_id;
  if (r.new_client_order_id) {
    client_order_id = std::string(trim_blanks(*r.new_client_order_id));
    if (auto ok = check_text("new_client_order_id", *client_order_id); !ok) return ok.error();
  }
  const std::int64_t now = clock_.now();
  const std::string at = format_rfc3339(now);
  Replaced out;
  auto written = commit(account, [&](WriteTx& tx) -> Result<void> {
    auto found = tx.find_order(account, order_id);
    if (!found.ok()) return found.error();
    auto old = working_half(tx, std::move(found).value());
    if (!old.ok()) return old.error();
    const auto t = next(*old, r.pending ? Action::RequestReplace : Action::Replace);
    if (!t) return not_open("order is not open");
    if (expect && Decimal::compare(*expect, old->filled_amount) != 0) {
      return Error{Errc::Conflict, kFilledAmountChanged};
    }
    OrderRecord& o = out.order;
    o = *old;
    o.amount = amount.value_or(old->amount);
    o.price = price.value_or(old->price);
    if (o.type == OrderType::Limit && !o.price.is_positive()) {
      return invalid_argument(kLimitPriceNotPositive);
    }
    if (!client_order_id && Decimal::compare(o.amount, old->amount) == 0 &&
        Decimal::compare(o.price, old->price) == 0) {
      return invalid_argument("replace changes nothing");
    }
    const auto vs_filled = Decimal::compare(o.amount, old->filled_amount);
    if (vs_filled < 0) return Error{Errc::Conflict, kAmountBelowFilled};
    if (client_order_id) {
      auto taken = tx.find_order_by_client_id(account, *client_order_id);
      if (taken.ok()) return Error{Errc::Conflict, kClientOrderIdReused};
      if (taken.code() != Errc::NotFound) return taken.error();
    }
    // The old half: REPLACED, its position closed, its journal (or
    // PENDING_REPLACE, as it is).
    const Step step{r.pending ? Action::RequestReplace : Action::Replace, at,
                    r.pending ? "replace_request" : "replace"};
    auto moved = move(tx, account, old->order_id, old->status, *t, step, out.replaced);
    if (!moved.ok()) return moved.error();
    if (!*moved) return storage_error("order changed under the write lock: " + old->order_id);
    // The new half: the fills carried over, on a position of its own.
    auto seq = tx.next_sequence();
    if (!seq.ok()) return seq.error();
    o.order_id = format_id(IdKind::Order, now, *seq);
    o.position_id = format_id(IdKind::Position, now, *seq);
    o.client_order_id = client_order_id;
    const bool filled = old->filled_amount.is_positive();
    o.status = r.pending        ? OrderStatus::PendingNew
               : vs_filled == 0 ? OrderStatus::Filled
               : filled         ? OrderStatus::PartiallyFilled
                                : OrderStatus::Open;
    o.created_at = o.updated_at = at;
    o.pending_since = r.pending ? std::optional<std::string>(at) : std::nullopt;
    if (r.pending) {
      // The fills move over when the venue confirms (settle_replace); a
      // replacement it refuses never filled anything.
      o.filled_amount = o.filled_notional = Decimal();
      o.average_fill_price.reset();
    }
    o.replaces = old->order_id;
    o.replaced_by.reset();
    const bool shown_filled = filled && !r.pending;
    out.position = {o.position_id, o.order_id, o.account_id, o.exchange, o.symbol, o.side,
                    shown_filled ? o.filled_amount : o.amount,
                    shown_filled ? *o.average_fill_price : o.price,
                    // Pending: no exposure of its own until the venue confirms.
                    r.pending ? PositionStatus::Closed : PositionStatus::Open, at, at};
    if (auto ok = tx.insert(o, out.position); !ok) return ok;
    if (auto ok = tx.append_event(o, std::nullopt, step.reason); !ok) {
      return ok;
    }
    auto linked = tx.set_replaced_by(account, old->order_id, o.order_id);
    if (!linked.ok()) return linked.error();
    out.replaced.replaced_by = o.order_id;
    return Ok{};
  });
  if (!written.ok()) return written.error();
  return out;
}

Result<OrderRecord> Orders::fill(std::string_view account, std::string_view order_id,
                                 const std::optional<std::string>& price) {
  if (auto ok = check_account(account); !ok) return ok.error();
  if (auto ok = check_id(IdKind::Order, order_id); !ok) return ok.error();
  std::optional<Decimal> given;
  if (price) {
    given = Decimal::parse(*price);
    if (!given || !given->is_positive()) {
      return invalid_argument("fill price must be greater than zero");
    }
  }
  const std::string at = format_rfc3339(clock_.now());
  Applied out;
  auto written = commit(account, [&](WriteTx& tx) -> Result<void> {
    auto found = tx.find_order(account, order_id);
    if (!found.ok()) return found.error();
    auto order = working_half(tx, std::move(found).value());
    if (!order.ok()) return order.error();
    if (!next(order->status, Action::Fill)) return not_open("order is not open");
    ExecutionRecord e{std::string(account),
                      "fill-" + order->order_id,
                      order->order_id,
                      ExecKind::Trade,
                      remaining_amount(*order),
                      given.value_or(order->price),
                      {}};
    if (!e.last_price.is_positive())
      return invalid_argument("fill price must be greater than zero");
    return apply_report(tx, e, *order, at, out);
  });
  if (!written.ok()) return written.error();
  return std::move(out.order);
}

Result<PositionRecord> Orders::liquidate(std::string_view account, std::string_view position_id) {
  if (auto ok = check_account(account); !ok) return ok.error();
  if (auto ok = check_id(IdKind::Position, position_id); !ok) return ok.error();
  const std::string at = format_rfc3339(clock_.now());
  const Step step{Action::Liquidate, at, "liquidate"};
  std::optional<PositionRecord> out;
  auto written = commit(account, [&](WriteTx& tx) -> Result<void> {
    auto position = tx.find_position(account, position_id);
    if (!position.ok()) return position.error();
    if (auto ok = liquidate_one(tx, account, *position, step); !ok) return ok;
    out = std::move(position).value();
    return Ok{};
  });
  if (!written.ok()) return written.error();
  return std::move(*out);
}

Result<PositionRecord> Orders::liquidate_symbol(std::string_view account, std::string_view text) {
  const std::string_view symbol = trim_blanks(text);
  if (auto ok = check_account(account); !ok) return ok.error();
  if (auto ok = check_text("symbol", symbol); !ok) return ok.error();
  const std::string at = format_rfc3339(clock_.now());
  const Step step{Action::Liquidate, at, "liquidate"};
  const std::optional<std::string> wanted{std::string(symbol)};
  std::optional<PositionRecord> out;
  auto written = commit(account, [&](WriteTx& tx) -> Result<void> {
    auto oldest = tx.positions_in(account, PositionStatus::Open, wanted, 1);
    if (!oldest.ok()) return oldest.error();
    if (oldest->empty()) return not_found("open position not found");
    PositionRecord& position = oldest->front();
    if (auto ok = liquidate_one(tx, account, position, step); !ok) return ok;
    out = std::move(position);
    return Ok{};
  });
  if (!written.ok()) return written.error();
  return std::move(*out);
}

Result<std::vector<PositionRecord>> Orders::liquidate_all(
    std::string_view account, const std::optional<std::string>& filter) {
  const std::optional<std::string> symbol = symbol_filter(filter);
  if (auto ok = check_account(account); !ok) return ok.error();
  if (auto ok = check_symbol(symbol); !ok) return ok.error();
  const std::string at = format_rfc3339(clock_.now());
  const Step step{Action::Liquidate, at, "liquidate_all"};
  std::vector<PositionRecord> out;
  auto written = commit(account, [&](WriteTx& tx) -> Result<void> {
    auto open = tx.positions_in(account, PositionStatus::Open, symbol, std::nullopt);
    if (!open.ok()) return open.error();
    for (PositionRecord& position : *open) {
      if (auto ok = liquidate_one(tx, account, position, step); !ok) return ok;
    }
    out = std::move(open).value();
    return Ok{};
  });
  if (!written.ok()) return written.error();
  return out;
}

Result<void> Orders::commit(std::string_view account, const Repository::Work& work) {
  auto written = repo_.write(work);
  if (written.ok()) bus_.publish(account);
  return written;
}

Result<EventPage> Orders::events_since(std::string_view account, std::int64_t after_seq,
                                       int limit) {
  if (auto ok = check_account(account); !ok) return ok.error();
  if (after_seq < 0) return invalid_argument("after must not be negative");
  if (limit < 1 || limit > kMaxListLimit) {
    return invalid_argument("limit must be between 1 and 1000");
  }
  auto events = repo_.account_events(account, after_seq, limit);
  if (!events.ok()) return events.error();
  // Numbers have no gaps, so a first event past after_seq + 1 means the
  // ones between were pruned. (An empty page skipped nothing: pruning
  // keeps each stream's newest events, which would be after after_seq.)
  if (!events->empty() && events->front().seq != after_seq + 1) {
    Error gone{Errc::Gone, "events after " + std::to_string(after_seq) + " are no longer kept"};
    gone.oldest_seq = events->front().seq;
    return gone;
  }
  EventPage page{std::move(events).value(), after_seq};
  if (!page.events.empty()) page.next_after = page.events.back().seq;
  return page;
}

Result<std::int64_t> Orders::prune_events(std::span<const std::string> accounts, std::int64_t keep,
                                          int limit) {
  if (keep < 1) return invalid_argument("keep must be at least 1");
  if (limit < 1) return invalid_argument("limit must be at least 1");
  if (accounts.empty()) return std::int64_t{0};
  std::int64_t gone = 0;
  auto written = repo_.write([&](WriteTx& tx) -> Result<void> {
    auto pruned = tx.prune_events(accounts, keep, limit);
    if (!pruned.ok()) return pruned.error();
    gone = *pruned;
    return Ok{};
  });
  if (!written.ok()) return written.error();
  return gone;
}

Result<std::int64_t> Orders::prune_events(std::int64_t keep, int limit) {
  auto accounts = stream_accounts();
  if (!accounts.ok()) return accounts.error();
  return prune_events(*accounts, keep, limit);
}

Result<OrderRecord> Orders::get_order(std::string_view account, std::string_view order_id) {
  if (auto ok = check_account(account); !ok) return ok.error();
  if (auto ok = check_id(IdKind::Order, order_id); !ok) return ok.error();
  return repo_.get_order(account, order_id);
}

Result<OrderPage> Orders::list_orders(std::string_view account, const OrderQuery& query) {
  if (auto ok = check_account(account); !ok) return ok.error();
  const std::optional<std::string> symbol = symbol_filter(query.symbol);
  if (auto ok = check_symbol(symbol); !ok) return ok.error();
  if (query.limit < 1 || query.limit > kMaxListLimit) {
    return invalid_argument("limit must be between 1 and 1000");
  }
  OrderFilter filter{query.statuses, symbol, std::nullopt, query.limit};
  if (query.cursor) {
    const auto parts = parse_id(IdKind::Order, *query.cursor);
    if (!parts) return invalid_argument("malformed cursor");
    filter.before_seq = parts->seq;
  }
  auto orders = repo_.list_orders(account, filter);
  if (!orders.ok()) return orders.error();
  OrderPage page{std::move(orders).value(), std::nullopt};
  if (static_cast<int>(page.orders.size()) == query.limit) {
    page.next_cursor = page.orders.back().order_id;
  }
  return page;
}

Result<std::int64_t> Orders::count_orders(std::string_view account, OrderStatus status) {
  if (auto ok = check_account(account); !ok) return ok.error();
  return repo_.count_orders(account, status);
}

Result<std::vector<OrderEvent>> Orders::history(std::string_view account,
                                                std::string_view order_id) {
  if (auto ok = check_account(account); !ok) return ok.error();
  if (auto ok = check_id(IdKind::Order, order_id); !ok) return ok.error();
  return repo_.order_events(account, order_id);
}

Result<PositionRecord> Orders::get_position(std::string_view account,
                                            std::string_view position_id) {
  if (auto ok = check_account(account); !ok) return ok.error();
  if (auto ok = check_id(IdKind::Position, position_id); !ok) return ok.error();
  return repo_.get_position(account, position_id);
}

Result<std::vector<PositionRecord>> Orders::list_positions(std::string_view account,
                                                           std::optional<PositionStatus> status) {
  if (auto ok = check_account(account); !ok) return ok.error();
  return repo_.list_positions(account, status);
}

}  // namespace orderstate
