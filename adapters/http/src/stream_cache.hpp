// The account streams' events as JSON, written once and shared by every page
// of GET /api/v2/events and events/stream that holds them (private).
//
// Why: 200 subscribers of one account each ask for their own stretch of the
// stream (their `after` differs by a few events), so a cache of whole pages
// rarely hits, and each of them read and wrote the same events again: up to
// 200 journal reads and JSON writes of every event. A committed event never
// changes (seq is gapless and never reused, and the order's state is the one
// after that event), so its JSON, once written, is an answer for every page
// that holds it, forever.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "orderstate/orders.hpp"

namespace orderstate::http {

// Thread-safe. Holds at most `budget` bytes of JSON; past it an account's
// oldest events go first, then other accounts'. The journal stays the one
// source: what is not held is read from it, and an empty answer is always
// read from it (never kept), so a wait always sees the latest commit.
class StreamCache {
 public:
  using Json = std::shared_ptr<const std::string>;
  static constexpr std::size_t kBudget = 16u << 20;  // ~25,000 events of ~650 bytes

  explicit StreamCache(std::size_t budget = kBudget) : budget_(budget) {}

  struct Page {
    std::vector<Json> events;  // seq order, gapless (seq i is next_after - size + 1 + i)
    std::int64_t next_after;   // the last seq given, else the `after` asked
  };

  // Up to `limit` events of `account` after seq `after`, each as
  // write_stream_event's JSON: those held, then those the journal has after
  // them (one read through `orders`; kept). Errors: those of
  // Orders::events_since.
  Result<Page> page(Orders& orders, const std::string& account, std::int64_t after, int limit);

 private:
  struct Account {
    std::map<std::int64_t, Json> events;  // by seq
    std::size_t bytes = 0;
  };
  void keep(const std::string& account, std::int64_t seq, const Json& json);

  const std::size_t budget_;
  std::mutex mutex_;
  std::map<std::string, Account, std::less<>> accounts_;
  std::size_t bytes_ = 0;
};

}  // namespace orderstate::http
