// Orders: the service an engine (or the HTTP adapter) calls. It validates
// input, scopes every call by account, asks the state machine, and runs each
// change as one unit of work through the repository: the order's transition,
// its position's and the journal event commit together or not at all.
// Thread-safe when the repository is (every backend here is).
//
// Every call takes the account it acts for: any bytes but empty or holding a
// NUL (InvalidArgument "account is required", "account must not contain a
// NUL byte"); the HTTP adapter takes it from the caller's API key.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "orderstate/clock.hpp"
#include "orderstate/event_bus.hpp"
#include "orderstate/order.hpp"
#include "orderstate/repository.hpp"
#include "orderstate/result.hpp"

namespace orderstate {

// Client input for place(), as text; place() validates and normalizes it.
struct PlaceRequest {
  std::string exchange;
  std::string symbol;
  std::string side;    // "buy", " SELL " ... (trimmed, any case)
  std::string type;    // "MARKET" | "LIMIT", any case; empty means MARKET
  std::string amount;  // decimal text > 0
  std::string price;   // decimal text; > 0 for LIMIT; empty means "0" for MARKET
  std::optional<std::string> client_order_id = std::nullopt;
  // FIX TimeInForce (59): "GTC" (also when empty), "IOC", "FOK", "DAY",
  // "GTD"; any case. GTD needs expire_at, the others refuse it.
  std::string time_in_force = {};
  // FIX ExpireTime (126), RFC 3339 UTC ("2026-12-01T00:00:00Z"), in the
  // future: GTD only. A DAY order gets the next session end (OrdersOptions).
  std::optional<std::string> expire_at = std::nullopt;
  // Record the intent before sending it (issue 15): the order is stored
  // PENDING_NEW, durable when place() returns, so an engine sends the venue
  // only orders that survive a crash; a NEW, REJECTED or TRADE report then
  // resolves it. Not part of a client_order_id replay's comparison.
  bool pending = false;
};

struct OrdersOptions {
  // When DAY orders end: seconds after 00:00 UTC (0..86399). A DAY order
  // placed at t gets expire_at = the first such time after t.
  int session_end_utc_s = 0;
};

// An execution report from the venue (FIX ExecutionReport, 35=8): the one
// way fills enter. Names the order by order_id or client_order_id (FIX
// ClOrdID 11); when both are given they must name the same order.
struct ExecutionReport {
  std::string exec_id = {};  // FIX ExecID (17): 1..64 clean characters, unique per account
  std::optional<std::string> order_id = std::nullopt;
  std::optional<std::string> client_order_id = std::nullopt;
  ExecKind kind = ExecKind::Trade;
  std::string last_amount = {};                  // TRADE only: FIX LastQty (32), decimal text > 0
  std::string last_price = {};                   // TRADE only: FIX LastPx (31), decimal text > 0
  std::optional<std::string> at = std::nullopt;  // venue time, RFC 3339 UTC (FIX TransactTime 60)
};

// What a replace (amend; FIX OrderCancelReplaceRequest 35=G) changes; each
// absent field keeps the old order's value. Decimals as text.
struct ReplaceRequest {
  std::optional<std::string> amount = std::nullopt;  // > 0, and not below the filled amount
  std::optional<std::string> price = std::nullopt;   // > 0 for LIMIT
  std::optional<std::string> new_client_order_id = std::nullopt;
  // Applies only if the order's filled_amount still equals this (numerically):
  // a guard against a fill racing the amend.
  std::optional<std::string> expect_filled_amount = std::nullopt;
  // Record the intent before sending it (issue 15): the old order becomes
  // PENDING_REPLACE and the new one waits as PENDING_NEW (its position
  // CLOSED) until the venue answers with REPLACED or CANCEL_REJECTED.
  bool pending = false;
};

struct Replaced {
  OrderRecord order;        // the new order
  OrderRecord replaced;     // the old one, now REPLACED (or PENDING_REPLACE)
  PositionRecord position;  // the new order's
};

struct Applied {
  OrderRecord order;      // as it is after the report
  bool replayed = false;  // the exec_id was applied before; nothing changed
};

struct Placed {
  OrderRecord order;
  PositionRecord position;
  bool replayed = false;  // true: the client_order_id was used before; nothing new
};

struct OrderQuery {
  std::vector<OrderStatus> statuses;  // any of these; empty: every status
  std::optional<std::string> symbol;
  int limit = 100;                    // 1..kMaxListLimit
  std::optional<std::string> cursor;  // next_cursor of the previous page
};

// A stretch of an account's journal stream (Orders::events_since).
struct EventPage {
  std::vector<StreamEvent> events;  // seq order
  std::int64_t next_after = 0;      // the last seq given, else the `after` asked: ask after it
};

struct OrderPage {
  std::vector<OrderRecord> orders;         // newest first
  std::optional<std::string> next_cursor;  // set when more may follow
};

// InvalidArgument messages place() returns for the checks the original
// service made; the HTTP adapter answers them verbatim.
inline constexpr const char* kAmountNotPositive = "amount must be greater than zero";
inline constexpr const char* kBadSide = "side must be BUY or SELL";
inline constexpr const char* kBadType = "type must be MARKET or LIMIT";
inline constexpr const char* kLimitPriceNotPositive =
    "price must be greater than zero for LIMIT orders";
// Conflict: a client_order_id the account used for another order (another
// exchange, symbol, side, type, amount or price text, time in force or
// expire_at). Answered 409 verbatim.
inline constexpr const char* kClientOrderIdReused =
    "client_order_id already used with different parameters";
// Conflict: a trade report that would fill more than the order's amount.
inline constexpr const char* kFillExceedsAmount = "fill exceeds order amount";
// Conflict: an exec_id the account used for a different report.
inline constexpr const char* kExecIdReused = "exec_id already used with different content";
// Conflict answers of replace().
inline constexpr const char* kFilledAmountChanged = "filled amount changed";
inline constexpr const char* kAmountBelowFilled = "amount below filled amount";

inline constexpr int kMaxListLimit = 1000;
inline constexpr std::size_t kMaxTextLength = 64;  // exchange, symbol, client_order_id

class Orders {
 public:
  // `repository` and `clock` must outlive this object.
  Orders(Repository& repository, const Clock& clock, OrdersOptions options = {})
      : repo_(repository), clock_(clock), options_(options) {}

  // A new OPEN order and its OPEN position. With a client_order_id the account
  // already used for the same parameters (an exact replay: exchange, symbol,
  // side, type, amount and price as the same decimal text, time in force and
  // expire_at), the existing
  // pair comes back (replayed) and nothing changes; with other parameters,
  // Conflict (kClientOrderIdReused) and nothing changes. InvalidArgument for
  // malformed input. Exchange, symbol and client_order_id lose surrounding
  // blanks first (text.hpp's trim_blanks: " BTC/USDT" is BTC/USDT), then
  // must pass is_clean_text.
  Result<Placed> place(std::string_view account, const PlaceRequest& request);

  // OPEN or PARTIALLY_FILLED -> CANCELED; the position closes if nothing
  // filled, else stays OPEN with the filled size. NotFound: no such order for
  // the account. NotOpen: the order is not working (FILLED, CANCELED, ...).
  // Exactly one of any number of concurrent cancels of one order succeeds.
  Result<OrderRecord> cancel(std::string_view account, std::string_view order_id);
  // Asks the venue to cancel (issue 15): OPEN or PARTIALLY_FILLED ->
  // PENDING_CANCEL, durable when it returns (send the cancel after). A
  // second request while pending answers the order as it is. A CANCELED
  // report ends it; CANCEL_REJECTED resumes it; trades meanwhile count.
  // NotFound; NotOpen when the order is not working.
  Result<OrderRecord> request_cancel(std::string_view account, std::string_view order_id);
  // Expires every working order of any account whose expire_at (GTD, DAY)
  // is at or before `now` (UTC seconds), at most `limit` of them, oldest
  // expiry first, in one transaction; returns them. The server runs it every
  // second; an engine calls it on its own clock. A partly filled order keeps
  // its position OPEN with the filled size.
  Result<std::vector<OrderRecord>> expire_due(std::int64_t now, int limit = 1000);
  // The account's PENDING_NEW, PENDING_CANCEL and PENDING_REPLACE orders
  // whose intent is at least `older_than_s` seconds old (pending_since),
  // oldest first, at most `limit` (1..1000) a page; next_cursor (set when the
  // page is full) resumes after its last order. What to ask the venue about:
  // nothing here moves an in-flight order, only a report (or a local cancel
  // or expiry) does.
  // InvalidArgument for a malformed cursor.
  Result<OrderPage> in_flight(std::string_view account, std::int64_t older_than_s, int limit = 100,
                              const std::optional<std::string>& cursor = std::nullopt);
  // cancel() of the account's order with this client_order_id (surrounding
  // blanks trimmed, as at place).
  Result<OrderRecord> cancel_by_client_id(std::string_view account,
                                          std::string_view client_order_id);
  // Cancels every working order of the account (of `symbol` when given) in one
  // transaction; returns the canceled orders, oldest first.
  Result<std::vector<OrderRecord>> cancel_all(std::string_view account,
                                              const std::optional<std::string>& symbol);
  // Applies one execution report, exactly once per (account, exec_id), in one
  // transaction with the order's position and journal (state_machine.hpp
  // says what each report does):
  // - a repeated exec_id with the same content changes nothing and returns
  //   the order as it is (replayed); with other content: Conflict
  //   (kExecIdReused);
  // - a TRADE that would take filled_amount past amount: Conflict
  //   (kFillExceedsAmount), nothing changes;
  // - a TRADE for a CANCELED or EXPIRED order counts (journal reason
  //   "late_fill"); its status stays;
  // - CANCELED / EXPIRED for an order already in that status changes nothing.
  // NotFound: no such order for the account. NotOpen: the report does not
  // apply to the order's status (a TRADE for a REJECTED order, a REJECTED
  // for a PARTIALLY_FILLED one...); a TRADE for a FILLED order is Conflict
  // (kFillExceedsAmount): any fill would exceed its amount. InvalidArgument for
  // malformed input.
  Result<Applied> apply_execution(std::string_view account, const ExecutionReport& report);
  // Replaces (amends) an OPEN or PARTIALLY_FILLED order, in one transaction:
  // the old order becomes REPLACED (its position CLOSED) and a new order is
  // inserted with the same exchange, symbol, side, type, time in force and
  // expiry, the new amount and price, and the old one's fills carried over
  // (PARTIALLY_FILLED, or FILLED when the new amount equals the filled
  // amount), on a position of its own (size: the filled amount, else the
  // amount); the two are linked (replaces / replaced_by). Both halves or
  // neither. NotFound; NotOpen when the order is not working; Conflict:
  // kFilledAmountChanged (expect_filled_amount differs), kAmountBelowFilled,
  // kClientOrderIdReused (new_client_order_id taken); InvalidArgument for
  // malformed input. A trade report for a REPLACED order applies to the end
  // of its chain (venues report fills after a replace on the new order).
  // With `pending` (FIX OrdStatus E): the old order becomes PENDING_REPLACE
  // and keeps working; the new one is PENDING_NEW with a CLOSED position.
  // Until the venue answers, whatever names the new order (reports, cancel,
  // request_cancel, fill, replace) acts on the old one. A REPLACED report
  // makes the old REPLACED and the new one work with every fill so far
  // (OPEN, PARTIALLY_FILLED or FILLED; Conflict kAmountBelowFilled when the
  // fills during the wait passed its amount); CANCEL_REJECTED resumes the
  // old one; any end of the old one (that, a cancel, a fill of the rest, an
  // expiry) rejects the new one (journal reason "replace_rejected").
  Result<Replaced> replace(std::string_view account, std::string_view order_id,
                           const ReplaceRequest& request);
  // Fills what remains of a working order at `price` (default: its limit
  // price): a TRADE report with exec_id "fill-<order_id>". InvalidArgument
  // when neither gives a price > 0; NotOpen when the order is not working.
  Result<OrderRecord> fill(std::string_view account, std::string_view order_id,
                           const std::optional<std::string>& price = std::nullopt);
  // Position OPEN -> LIQUIDATED, its order (OPEN, PARTIALLY_FILLED or FILLED)
  // -> CLOSED. NotFound
  // when the position does not exist; NotOpen when it is no longer OPEN.
  Result<PositionRecord> liquidate(std::string_view account, std::string_view position_id);
  // Liquidates the account's oldest OPEN position of `symbol` (any case);
  // NotFound when there is none.
  Result<PositionRecord> liquidate_symbol(std::string_view account, std::string_view symbol);
  // Liquidates every OPEN position (of `symbol` when given) in one transaction.
  Result<std::vector<PositionRecord>> liquidate_all(std::string_view account,
                                                    const std::optional<std::string>& symbol);

  Result<OrderRecord> get_order(std::string_view account, std::string_view order_id);
  Result<OrderPage> list_orders(std::string_view account, const OrderQuery& query);
  // How many of the account's orders are in `status` (for gauges).
  Result<std::int64_t> count_orders(std::string_view account, OrderStatus status);
  Result<std::vector<OrderEvent>> history(std::string_view account, std::string_view order_id);
  Result<PositionRecord> get_position(std::string_view account, std::string_view position_id);
  Result<std::vector<PositionRecord>> list_positions(std::string_view account,
                                                     std::optional<PositionStatus> status);

  // Ok while the store answers (for health checks).
  Result<void> ping() { return repo_.ping(); }
  // The clock records are stamped with.
  const Clock& clock() const { return clock_; }

  // The account's journal as a stream (issue 16): its events after stream
  // number `after_seq` (0: from the start), in seq order, at most `limit`
  // (1..1000), each with the order as it was right after it. Every change
  // of any of the account's orders is one event, numbered 1, 2, 3, ... per
  // account in commit order with no gap and no reuse, visible only once
  // committed; so reading from next_after on never misses or repeats one,
  // across restarts too. InvalidArgument for a negative after_seq or a bad
  // limit. Gone, with Error::oldest_seq, when events after after_seq are no
  // longer kept (prune_events): never a page that skips them.
  Result<EventPage> events_since(std::string_view account, std::int64_t after_seq, int limit = 100);
  // Journal retention: deletes each of `accounts`' events older than its
  // newest `keep` (>= 1), oldest first, at most `limit` (>= 1) per account,
  // in one transaction; returns how many went (call again while that is
  // `limit` or more). None: 0, and nothing is written. A stream's numbers
  // are never reused, and a reader behind what is kept gets Gone. The
  // orders' own journals (order_events) lose those events too.
  // InvalidArgument for keep or limit below 1. A server prunes the accounts
  // its commits named since its last pruning (events() listen), so an idle
  // account costs nothing.
  Result<std::int64_t> prune_events(std::span<const std::string> accounts, std::int64_t keep,
                                    int limit = 1000);
  // The same for every account that has a stream (stream_accounts()).
  Result<std::int64_t> prune_events(std::int64_t keep, int limit = 1000);
  // Every account that has a stream, in id order (what there is to prune).
  Result<std::vector<std::string>> stream_accounts() { return repo_.stream_accounts(); }
  // Says when an account's stream grew, for waiting instead of polling
  // (event_bus.hpp): every write of this Orders publishes the account it
  // wrote after it committed. Thread-safe.
  EventBus& events() { return bus_; }

 private:
  // repo_.write, then the account's stream generation grows (when it committed).
  Result<void> commit(std::string_view account, const Repository::Work& work);

  Repository& repo_;
  const Clock& clock_;
  OrdersOptions options_;
  EventBus bus_;
};

}  // namespace orderstate
