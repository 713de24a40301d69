#include "orderstate/orders.hpp"

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
    return invalid_argument(std::string(what) + " must be 1 to 64 printable characters");
  }
  return Ok{};
}

Result<void> check_account(std::string_view account) {
  if (account.empty()) return invalid_argument("account is required");
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
  const std::optional<std::string>& entry_price;
};

// Moves the order along `step` if it is in `from`: a compare-and-set on the
// order (one round trip), then its position, then the journal. On success
// `out` holds the order as it now is. nullopt: the order was not in `from`.
Result<std::optional<Transition>> try_apply(WriteTx& tx, std::string_view account,
                                            std::string_view order_id, OrderStatus from,
                                            const Step& step, OrderRecord& out) {
  const auto t = next(from, step.action);
  if (!t) return std::optional<Transition>();
  auto moved = tx.set_order_status(account, order_id, from, t->order_to, step.at);
  if (!moved.ok()) return moved.error();
  if (!*moved) return std::optional<Transition>();
  out = std::move(**moved);
  if (t->position_to || step.entry_price) {
    const PositionStatus pos_from = t->position_from.value_or(PositionStatus::Open);
    auto pos = tx.set_position_status(out.position_id, pos_from, t->position_to.value_or(pos_from),
                                      step.at, step.entry_price);
    if (!pos.ok()) return pos.error();
    // Under the write lock an order's position moves with it; a miss is a broken store.
    if (!*pos) return storage_error("position not in expected state: " + out.position_id);
  }
  auto logged = tx.append_event({out.order_id, from, t->order_to, step.at, step.reason});
  if (!logged.ok()) return logged.error();
  return t;
}

// Applies `step` to the account's order whatever its status: tries each
// status the state machine allows it from, so the common case is one round
// trip; only when none matched does it read the order to tell NotFound from
// NotOpen.
Result<Transition> apply(WriteTx& tx, std::string_view account, std::string_view order_id,
                         const Step& step, OrderRecord& out) {
  for (OrderStatus from : allowed_from(step.action)) {
    auto t = try_apply(tx, account, order_id, from, step, out);
    if (!t.ok()) return t.error();
    if (*t) return **t;
  }
  auto order = tx.find_order(account, order_id);
  if (!order.ok()) return order.error();
  return not_open("order is not open");
}

// Liquidates `position` (and its order) inside a unit of work.
Result<void> liquidate_one(WriteTx& tx, std::string_view account, PositionRecord& position,
                           const Step& step) {
  OrderRecord order;
  auto t = apply(tx, account, position.order_id, step, order);
  if (!t.ok()) return t.error();
  position.status = t->position_to.value_or(position.status);
  position.updated_at = step.at;
  return Ok{};
}

const std::optional<std::string> kNoPrice;

// An exact replay of a place: the same exchange, symbol, side, type and the
// same decimal text for amount and price ("0.010" is not "0.01": the
// idempotency key promises the same request, byte for byte in meaning and form).
bool same_parameters(const OrderRecord& o, const PlaceRequest& r, Side side, OrderType type,
                     const Decimal& amount, const Decimal& price) {
  return o.exchange == r.exchange && o.symbol == r.symbol && o.side == side && o.type == type &&
         o.amount == amount.text() && o.price == price.text();
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
  const auto price = r.price.empty() ? std::optional<Decimal>(Decimal()) : Decimal::parse(r.price);
  if (!price) return invalid_argument("price must be a decimal number");
  if (*type == OrderType::Limit && !price->is_positive()) {
    return invalid_argument(kLimitPriceNotPositive);
  }
  if (price->is_negative()) return invalid_argument("price must not be negative");

  Placed placed;
  const std::int64_t now = clock_.now();
  auto written = repo_.write([&](WriteTx& tx) -> Result<void> {
    if (r.client_order_id) {
      auto existing = tx.find_order_by_client_id(account, *r.client_order_id);
      if (existing.ok() && !same_parameters(*existing, r, *side, *type, *amount, *price)) {
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
         amount->text(),
         price->text(),
         OrderStatus::Open,
         at,
         at};
    placed.position = {
        o.position_id, o.order_id, o.account_id,         o.exchange, o.symbol, o.side,
        o.amount,      o.price,    PositionStatus::Open, at,         at};
    placed.replayed = false;
    if (auto ok = tx.insert(o, placed.position); !ok) return ok;
    return tx.append_event({o.order_id, std::nullopt, OrderStatus::Open, at, "place"});
  });
  if (!written.ok()) return written.error();
  return placed;
}

Result<OrderRecord> Orders::cancel(std::string_view account, std::string_view order_id) {
  if (auto ok = check_account(account); !ok) return ok.error();
  if (auto ok = check_id(IdKind::Order, order_id); !ok) return ok.error();
  const std::string at = format_rfc3339(clock_.now());
  const Step step{Action::Cancel, at, "cancel", kNoPrice};
  OrderRecord out;
  auto written = repo_.write([&](WriteTx& tx) -> Result<void> {
    auto t = apply(tx, account, order_id, step, out);
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
  auto written = repo_.write([&](WriteTx& tx) -> Result<void> {
    auto orders = tx.orders_in(account, allowed_from(Action::Cancel), symbol);
    if (!orders.ok()) return orders.error();
    const Step step{Action::Cancel, at, "cancel_all", kNoPrice};
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

Result<OrderRecord> Orders::fill(std::string_view account, std::string_view order_id,
                                 const std::optional<std::string>& price) {
  if (auto ok = check_account(account); !ok) return ok.error();
  if (auto ok = check_id(IdKind::Order, order_id); !ok) return ok.error();
  if (price) {
    const auto p = Decimal::parse(*price);
    if (!p || !p->is_positive()) return invalid_argument("fill price must be greater than zero");
  }
  const std::string at = format_rfc3339(clock_.now());
  const Step step{Action::Fill, at, "fill", price};
  OrderRecord out;
  auto written = repo_.write([&](WriteTx& tx) -> Result<void> {
    auto t = apply(tx, account, order_id, step, out);
    return t.ok() ? Result<void>(Ok{}) : t.error();
  });
  if (!written.ok()) return written.error();
  return out;
}

Result<PositionRecord> Orders::liquidate(std::string_view account, std::string_view position_id) {
  if (auto ok = check_account(account); !ok) return ok.error();
  if (auto ok = check_id(IdKind::Position, position_id); !ok) return ok.error();
  const std::string at = format_rfc3339(clock_.now());
  const Step step{Action::Liquidate, at, "liquidate", kNoPrice};
  std::optional<PositionRecord> out;
  auto written = repo_.write([&](WriteTx& tx) -> Result<void> {
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
  const Step step{Action::Liquidate, at, "liquidate", kNoPrice};
  const std::optional<std::string> wanted{std::string(symbol)};
  std::optional<PositionRecord> out;
  auto written = repo_.write([&](WriteTx& tx) -> Result<void> {
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
  const Step step{Action::Liquidate, at, "liquidate_all", kNoPrice};
  std::vector<PositionRecord> out;
  auto written = repo_.write([&](WriteTx& tx) -> Result<void> {
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
  OrderFilter filter{query.status, symbol, std::nullopt, query.limit};
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
