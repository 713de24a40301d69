// Metrics: lock-free counters, rendered in the Prometheus text format 0.0.4.
#include "orderstate/http/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <mutex>
#include <utility>
#include <vector>

#include "orderstate/state_machine.hpp"

namespace orderstate::http {
namespace {

constexpr std::size_t kBuckets = kCancelBucketsSeconds.size();

struct NamedCounter {
  std::string label;
  RouteCounter counter;
};

// Shortest fixed-point text that reads back as `v` ("0.0001", "1", "2.5").
std::string number(double v) {
  char buf[400];  // room for any double in fixed notation
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  return ec == std::errc() ? std::string(buf, end) : "NaN";
}

// A label value with \, " and newline escaped, as the format asks.
std::string escape_label(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

}  // namespace

struct Metrics::Impl {
  GaugeSource open_orders;
  mutable std::mutex mutex;                           // guards routes (the vector, not the counts)
  std::vector<std::unique_ptr<NamedCounter>> routes;  // stable addresses: handed out by route()
  std::array<std::atomic<std::uint64_t>, kBuckets + 1> buckets{};  // not cumulative; last is +Inf
  std::atomic<std::uint64_t> sum_ns{0};

  void render_requests(std::string& out) const;
  void render_cancels(std::string& out) const;
};

void Metrics::Impl::render_requests(std::string& out) const {
  header(out, "orderstate_http_requests_total", "counter",
         "HTTP requests answered, by route template and status.");
  const std::lock_guard lock(mutex);
  for (const auto& named : routes) {
    const std::string route = escape_label(named->label);
    for (int status = RouteCounter::kFirst; status <= RouteCounter::kLast; ++status) {
      const std::uint64_t n = named->counter.count(status);
      if (n == 0) continue;
      out.append("orderstate_http_requests_total{route=\"").append(route);
      out.append("\",status=\"").append(std::to_string(status)).append("\"} ");
      out.append(std::to_string(n)).append("\n");
    }
  }
}

void Metrics::Impl::render_cancels(std::string& out) const {
  header(out, "orderstate_cancel_duration_seconds", "histogram",
         "Time the cancel_order route spent in Orders::cancel.");
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= kBuckets; ++i) {
    cumulative += buckets[i].load(std::memory_order_relaxed);
    const std::string le = i < kBuckets ? number(kCancelBucketsSeconds[i]) : "+Inf";
    out.append("orderstate_cancel_duration_seconds_bucket{le=\"").append(le).append("\"} ");
    out.append(std::to_string(cumulative)).append("\n");
  }
  const double sum = static_cast<double>(sum_ns.load(std::memory_order_relaxed)) / 1e9;
  out.append("orderstate_cancel_duration_seconds_sum ").append(number(sum)).append("\n");
  out.append("orderstate_cancel_duration_seconds_count ");
  out.append(std::to_string(cumulative)).append("\n");
}

Metrics::Metrics(GaugeSource open_orders) : impl_(std::make_unique<Impl>()) {
  impl_->open_orders = std::move(open_orders);
}

Metrics::~Metrics() = default;

RouteCounter& Metrics::route(std::string_view label) {
  const std::lock_guard lock(impl_->mutex);
  for (const auto& named : impl_->routes) {
    if (named->label == label) return named->counter;
  }
  impl_->routes.push_back(std::make_unique<NamedCounter>());
  impl_->routes.back()->label = std::string(label);
  return impl_->routes.back()->counter;
}

void Metrics::record_cancel(std::chrono::nanoseconds took) noexcept {
  const double seconds = std::chrono::duration<double>(took).count();
  std::size_t i = 0;
  while (i < kBuckets && seconds > kCancelBucketsSeconds[i]) ++i;
  impl_->buckets[i].fetch_add(1, std::memory_order_relaxed);
  const auto ns = took.count() > 0 ? static_cast<std::uint64_t>(took.count()) : 0;
  impl_->sum_ns.fetch_add(ns, std::memory_order_relaxed);
}

std::string Metrics::render() const {
  std::string out;
  impl_->render_requests(out);
  impl_->render_cancels(out);
  const std::optional<std::int64_t> open = impl_->open_orders ? impl_->open_orders() : std::nullopt;
  if (open) {
    header(out, "orderstate_open_orders", "gauge", "Orders in status OPEN.");
    out.append("orderstate_open_orders ").append(std::to_string(*open)).append("\n");
  }
  return out;
}

Metrics::GaugeSource open_orders_of(Orders& orders, std::vector<std::string> accounts) {
  std::sort(accounts.begin(), accounts.end());  // an account with two keys counts once
  accounts.erase(std::unique(accounts.begin(), accounts.end()), accounts.end());
  return [&orders, accounts = std::move(accounts)]() -> std::optional<std::int64_t> {
    std::int64_t total = 0;
    for (const std::string& account : accounts) {
      // Working orders: those v1 shows as OPEN (PARTIALLY_FILLED included).
      for (OrderStatus status : statuses_shown_as(OrderStatus::Open)) {
        const auto open = orders.count_orders(account, status);
        if (!open.ok()) return std::nullopt;
        total += *open;
      }
    }
    return total;
  };
}

}  // namespace orderstate::http
