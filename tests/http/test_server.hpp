// TestServer: the HTTP adapter in process, for tests. Each instance has a fresh
// ":memory:" database behind a repository that can be told to fail, a
// FixedClock at 2026-03-03T12:00:00Z, keys "k1" (account "acct-1") and "k2"
// ("acct-2"), and listens on an ephemeral loopback port until destroyed.
#pragma once

#include <httplib.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "orderstate/clock.hpp"
#include "orderstate/http/routes.hpp"
#include "orderstate/orders.hpp"
#include "orderstate/sqlite_repository.hpp"

namespace orderstate::test {

inline const std::int64_t kStart = unix_seconds(2026, 3, 3, 12, 0, 0);
inline const std::string kKey = "k1";       // account "acct-1"
inline const std::string kOtherKey = "k2";  // account "acct-2"
inline const std::string kApi = "/api/v1/trading/";

enum class Fault { None, Unavailable, Storage, Throw };

// Delegates to SQLite unless told to fail: every call then answers the fault.
class FaultyRepository final : public Repository {
 public:
  explicit FaultyRepository(std::unique_ptr<SqliteRepository> inner) : inner_(std::move(inner)) {}
  std::atomic<Fault> fault{Fault::None};

  Result<void> write(const Work& work) override;
  Result<OrderRecord> get_order(std::string_view account, std::string_view order_id) override;
  Result<std::vector<OrderRecord>> list_orders(std::string_view account,
                                               const OrderFilter& filter) override;
  Result<std::vector<OrderRecord>> pending_orders(
      std::string_view account, std::span<const OrderStatus> statuses, std::string_view cutoff,
      int limit, const std::optional<InFlightCursor>& after) override;
  Result<std::int64_t> count_orders(std::string_view account, OrderStatus status) override;
  Result<std::vector<StreamEvent>> account_events(std::string_view account, std::int64_t after_seq,
                                                  int limit) override;
  Result<std::vector<std::string>> stream_accounts() override;
  Result<std::vector<OrderEvent>> order_events(std::string_view account,
                                               std::string_view order_id) override;
  Result<PositionRecord> get_position(std::string_view account,
                                      std::string_view position_id) override;
  Result<std::vector<PositionRecord>> list_positions(std::string_view account,
                                                     std::optional<PositionStatus> status) override;
  Result<void> ping() override;

 private:
  std::optional<Error> injected() const;  // throws for Fault::Throw
  std::unique_ptr<SqliteRepository> inner_;
};

struct Reply {
  int status = -1;  // -1: no answer
  std::string body;
  std::string content_type;
  std::string allow;  // the Allow header
};

class TestServer {
 public:
  // `extra` may add routes before the server starts; `configure` may change
  // the route options (its metrics also count unmatched requests).
  explicit TestServer(const std::function<void(httplib::Server&)>& extra = {},
                      const std::function<void(http::RouteOptions&)>& configure = {});
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  int port() const { return port_; }
  FixedClock& clock() { return clock_; }
  Orders& orders() { return *orders_; }
  FaultyRepository& repository() { return *repo_; }

  // `path` is relative to /api/v1/trading/ unless it starts with '/'.
  Reply post(const std::string& path, const std::string& body, const std::string& key = kKey);
  Reply get(const std::string& path, const std::string& key = kKey);
  Reply send(const std::string& method, const std::string& path, const std::string& body,
             const std::string& key = kKey);

 private:
  FixedClock clock_{kStart};
  std::unique_ptr<FaultyRepository> repo_;
  std::unique_ptr<Orders> orders_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = -1;
};

// Places a BUY of 0.01 on binance for `account` through the service; returns its order_id.
std::string place(Orders& orders, const std::string& account,
                  const std::string& symbol = "BTC/USDT", const std::string& type = "LIMIT",
                  const std::string& price = "50000.00");

// The exact OrderRecord JSON of the spec, for an order placed by place() at
// kStart with sequence `seq`, in `status`, updated at `updated_at`.
std::string order_json(int seq, const std::string& status, const std::string& updated_at,
                       const std::string& symbol = "BTC/USDT");
std::string position_json(int seq, const std::string& status, const std::string& updated_at,
                          const std::string& symbol = "BTC/USDT");

inline std::string success(const std::string& data) {
  return R"({"status":"success","data":)" + data + "}";
}
inline std::string failure(const std::string& message) {
  return R"({"status":"error","error":")" + message + "\"}";
}

}  // namespace orderstate::test
