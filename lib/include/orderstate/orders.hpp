// Orders: the service an engine (or the HTTP adapter) calls. It validates
// input, scopes every call by account, asks the state machine, and runs each
// change as one unit of work through the repository: the order's transition,
// its position's and the journal event commit together or not at all.
// Thread-safe when the repository is (every backend here is).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "orderstate/clock.hpp"
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
};

struct Placed {
  OrderRecord order;
  PositionRecord position;
  bool replayed = false;  // true: the client_order_id was used before; nothing new
};

struct OrderQuery {
  std::optional<OrderStatus> status;
  std::optional<std::string> symbol;
  int limit = 100;                    // 1..kMaxListLimit
  std::optional<std::string> cursor;  // next_cursor of the previous page
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
// exchange, symbol, side, type, amount or price text). Answered 409 verbatim.
inline constexpr const char* kClientOrderIdReused =
    "client_order_id already used with different parameters";

inline constexpr int kMaxListLimit = 1000;
inline constexpr std::size_t kMaxTextLength = 64;  // exchange, symbol, client_order_id

class Orders {
 public:
  // `repository` and `clock` must outlive this object.
  Orders(Repository& repository, const Clock& clock) : repo_(repository), clock_(clock) {}

  // A new OPEN order and its OPEN position. With a client_order_id the account
  // already used for the same parameters (an exact replay: exchange, symbol,
  // side, type, and amount and price as the same decimal text), the existing
  // pair comes back (replayed) and nothing changes; with other parameters,
  // Conflict (kClientOrderIdReused) and nothing changes. InvalidArgument for
  // malformed input; exchange, symbol and client_order_id follow text.hpp's
  // is_clean_text (no trimming: " BTC/USDT" is refused).
  Result<Placed> place(std::string_view account, const PlaceRequest& request);

  // OPEN -> CANCELED, its position OPEN -> CLOSED. NotFound: no such order for
  // the account. NotOpen: the order is FILLED, CANCELED or CLOSED. Exactly one
  // of any number of concurrent cancels of one order succeeds.
  Result<OrderRecord> cancel(std::string_view account, std::string_view order_id);
  // Cancels every OPEN order of the account (of `symbol` when given) in one
  // transaction; returns the canceled orders, oldest first.
  Result<std::vector<OrderRecord>> cancel_all(std::string_view account,
                                              const std::optional<std::string>& symbol);
  // OPEN -> FILLED; the position stays OPEN. `price`, when given, becomes the
  // position's entry price.
  Result<OrderRecord> fill(std::string_view account, std::string_view order_id,
                           const std::optional<std::string>& price = std::nullopt);
  // Position OPEN -> LIQUIDATED, its order OPEN or FILLED -> CLOSED. NotFound
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

 private:
  Repository& repo_;
  const Clock& clock_;
};

}  // namespace orderstate
