#include "test_server.hpp"

#include <signal.h>

#include <chrono>
#include <stdexcept>

#include "orderstate/http/routes.hpp"

namespace orderstate::test {

std::optional<Error> FaultyRepository::injected() const {
  switch (fault.load()) {
    case Fault::None:
      return std::nullopt;
    case Fault::Unavailable:
      return unavailable("database is locked (injected)");
    case Fault::Storage:
      return storage_error("disk I/O error (injected secret detail)");
    case Fault::Throw:
      throw std::runtime_error("boom: injected secret detail");
  }
  return std::nullopt;
}

Result<void> FaultyRepository::write(const Work& work) {
  if (auto e = injected()) return *e;
  return inner_->write(work);
}

Result<OrderRecord> FaultyRepository::get_order(std::string_view account,
                                                std::string_view order_id) {
  if (auto e = injected()) return *e;
  return inner_->get_order(account, order_id);
}

Result<std::vector<OrderRecord>> FaultyRepository::list_orders(std::string_view account,
                                                               const OrderFilter& filter) {
  if (auto e = injected()) return *e;
  return inner_->list_orders(account, filter);
}

Result<std::vector<OrderEvent>> FaultyRepository::order_events(std::string_view account,
                                                               std::string_view order_id) {
  if (auto e = injected()) return *e;
  return inner_->order_events(account, order_id);
}

Result<std::vector<StreamEvent>> FaultyRepository::account_events(std::string_view account,
                                                                  std::int64_t after_seq,
                                                                  int limit) {
  if (auto e = injected()) return *e;
  return inner_->account_events(account, after_seq, limit);
}

Result<std::vector<std::string>> FaultyRepository::stream_accounts() {
  if (auto e = injected()) return *e;
  return inner_->stream_accounts();
}

Result<PositionRecord> FaultyRepository::get_position(std::string_view account,
                                                      std::string_view position_id) {
  if (auto e = injected()) return *e;
  return inner_->get_position(account, position_id);
}

Result<std::vector<PositionRecord>> FaultyRepository::list_positions(
    std::string_view account, std::optional<PositionStatus> status) {
  if (auto e = injected()) return *e;
  return inner_->list_positions(account, status);
}

Result<std::vector<OrderRecord>> FaultyRepository::pending_orders(
    std::string_view account, std::span<const OrderStatus> statuses, std::string_view cutoff,
    int limit, const std::optional<InFlightCursor>& after) {
  if (auto e = injected()) return *e;
  return inner_->pending_orders(account, statuses, cutoff, limit, after);
}

Result<std::int64_t> FaultyRepository::count_orders(std::string_view account, OrderStatus status) {
  if (auto e = injected()) return *e;
  return inner_->count_orders(account, status);
}

Result<void> FaultyRepository::ping() {
  if (auto e = injected()) return *e;
  return inner_->ping();
}

TestServer::TestServer(const std::function<void(httplib::Server&)>& extra,
                       const std::function<void(http::RouteOptions&)>& configure) {
  signal(SIGPIPE, SIG_IGN);
  auto sqlite = SqliteRepository::open({.path = ":memory:"});
  if (!sqlite.ok()) throw std::runtime_error("open :memory: failed: " + sqlite.error().message);
  repo_ = std::make_unique<FaultyRepository>(std::move(sqlite).value());
  orders_ = std::make_unique<Orders>(*repo_, clock_);

  http::Auth auth{{{"acct-1", kKey}, {"acct-2", kOtherKey}}};
  http::RouteOptions options;
  options.health = [this] { return repo_->ping().ok(); };
  options.now_ns = [this] { return clock_.now() * 1'000'000'000 + 123456789; };
  if (configure) configure(options);
  http::install_default_handlers(server_, http::kDefaultPayloadMaxLength, options.metrics);
  http::mount_routes(server_, *orders_, auth, options);
  if (extra) extra(server_);
  server_.new_task_queue = [] { return new httplib::ThreadPool(16); };
  port_ = server_.bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("bind failed");
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

TestServer::~TestServer() {
  server_.stop();
  if (thread_.joinable()) thread_.join();
}

Reply TestServer::send(const std::string& method, const std::string& path, const std::string& body,
                       const std::string& key) {
  httplib::Client client("127.0.0.1", port_);
  client.set_read_timeout(10, 0);
  httplib::Headers headers;
  if (!key.empty()) headers.emplace("Authorization", "Bearer " + key);
  const std::string full = path.starts_with('/') ? path : kApi + path;
  httplib::Request req;
  req.method = method;
  req.path = full;
  req.headers = headers;
  req.body = body;
  if (!body.empty()) req.set_header("Content-Type", "application/json");
  const auto res = client.send(req);
  if (!res) return {};
  return {res->status, res->body, res->get_header_value("Content-Type"),
          res->get_header_value("Allow")};
}

Reply TestServer::post(const std::string& path, const std::string& body, const std::string& key) {
  return send("POST", path, body, key);
}

Reply TestServer::get(const std::string& path, const std::string& key) {
  return send("GET", path, "", key);
}

std::string place(Orders& orders, const std::string& account, const std::string& symbol,
                  const std::string& type, const std::string& price) {
  auto placed =
      orders.place(account, {"binance", symbol, "BUY", type, "0.01", price, std::nullopt});
  if (!placed.ok()) throw std::runtime_error("place failed: " + placed.error().message);
  return placed->order.order_id;
}

std::string order_json(int seq, const std::string& status, const std::string& updated_at,
                       const std::string& symbol) {
  const std::string n = std::to_string(seq);
  return R"({"order_id":"ord-20260303120000-)" + n + R"(","position_id":"pos-20260303120000-)" + n +
         R"(","exchange":"binance","symbol":")" + symbol +
         R"(","side":"BUY","type":"LIMIT","amount":"0.01","price":"50000.00","status":")" + status +
         R"(","created_at":"2026-03-03T12:00:00Z","updated_at":")" + updated_at + R"("})";
}

std::string position_json(int seq, const std::string& status, const std::string& updated_at,
                          const std::string& symbol) {
  const std::string n = std::to_string(seq);
  return R"({"position_id":"pos-20260303120000-)" + n + R"(","order_id":"ord-20260303120000-)" + n +
         R"(","exchange":"binance","symbol":")" + symbol +
         R"(","side":"BUY","size":"0.01","entry_price":"50000.00","status":")" + status +
         R"(","opened_at":"2026-03-03T12:00:00Z","updated_at":")" + updated_at + R"("})";
}

}  // namespace orderstate::test
