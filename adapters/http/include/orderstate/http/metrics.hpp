// Metrics: what the HTTP adapter counts (requests by route and status, the
// service time of cancels) and their rendering in the Prometheus text format
// 0.0.4, with an optional open-orders gauge read at scrape time. Thread-safe:
// recording is lock-free (relaxed atomics, no allocation) and fit for the
// request path; adding a route and rendering take a mutex.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "orderstate/orders.hpp"

namespace orderstate::http {

// The Content-Type of the exposition format.
inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4";
// The route label of requests no route answered (unknown paths, malformed
// requests): see install_default_handlers.
inline constexpr std::string_view kUnmatchedRoute = "unmatched";
// Upper bounds of the cancel latency histogram's buckets, in seconds; +Inf follows.
inline constexpr std::array<double, 14> kCancelBucketsSeconds = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};

// The answered requests of one route, by status. Lock-free.
class RouteCounter {
 public:
  // Counts one answer. Statuses outside 100..599 are not counted.
  void record(int status) noexcept {
    if (status >= kFirst && status <= kLast) {
      by_status_[status - kFirst].fetch_add(1, std::memory_order_relaxed);
    }
  }
  std::uint64_t count(int status) const noexcept {
    if (status < kFirst || status > kLast) return 0;
    return by_status_[status - kFirst].load(std::memory_order_relaxed);
  }

  static constexpr int kFirst = 100;
  static constexpr int kLast = 599;

 private:
  std::array<std::atomic<std::uint64_t>, kLast - kFirst + 1> by_status_{};
};

class Metrics {
 public:
  // Reads the orderstate_open_orders gauge at each render, on the scraping
  // thread; nullopt (or no function) leaves the gauge out of that scrape.
  using GaugeSource = std::function<std::optional<std::int64_t>()>;

  explicit Metrics(GaugeSource open_orders = {});
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // The counter of `label` (e.g. "/api/v1/trading/cancel_order"), created on
  // first use; the same one after. Valid as long as this object. Takes the
  // mutex: look a route's counter up once (at mount time), not per request.
  RouteCounter& route(std::string_view label);

  // Adds one cancel's service time to orderstate_cancel_duration_seconds.
  void record_cancel(std::chrono::nanoseconds took) noexcept;

  // The exposition text: orderstate_http_requests_total{route,status} for
  // every nonzero count (routes in the order they were added, statuses
  // ascending), the cancel histogram, then the gauge. Counters are read one by
  // one, not as a snapshot; a histogram's _count always equals its +Inf bucket.
  std::string render() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A GaugeSource counting the working orders (OPEN, PARTIALLY_FILLED and the
// in-flight PENDING_NEW, PENDING_CANCEL and PENDING_REPLACE: those shown as
// OPEN on v1) of `accounts` with Orders::count_orders, which reads only the
// status index (37-50 ms for a million open orders here). nullopt on a
// storage error. `orders` must outlive the source.
Metrics::GaugeSource open_orders_of(Orders& orders, std::vector<std::string> accounts);

}  // namespace orderstate::http
