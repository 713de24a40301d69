// Clock: where orderstate reads the time. Times are whole UTC seconds since
// the Unix epoch, formatted as RFC 3339 ("2026-03-03T12:00:00Z") on records and
// as YYYYMMDDHHMMSS inside IDs. SystemClock is thread-safe; FixedClock is safe
// for concurrent reads and set() (the value is atomic).
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace orderstate {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::int64_t now() const = 0;  // UTC seconds since the epoch
};

class SystemClock final : public Clock {
 public:
  std::int64_t now() const override;
};

// For tests: reads what it was given.
class FixedClock final : public Clock {
 public:
  explicit FixedClock(std::int64_t t) : t_(t) {}
  std::int64_t now() const override { return t_.load(); }
  void set(std::int64_t t) { t_.store(t); }
  void advance(std::int64_t seconds) { t_.fetch_add(seconds); }

 private:
  std::atomic<std::int64_t> t_;
};

// "2026-03-03T12:00:00Z"
std::string format_rfc3339(std::int64_t unix_seconds);
// "20260303120000"
std::string format_compact(std::int64_t unix_seconds);
// The seconds of an RFC 3339 UTC time in the one form format_rfc3339 writes
// ("2026-03-03T12:00:00Z": no fraction, no offset other than Z); nullopt for
// anything else or an impossible date (Feb 30, hour 24, leap seconds).
std::optional<std::int64_t> parse_rfc3339(std::string_view text);
// Seconds since the epoch for a UTC civil time (proleptic Gregorian).
std::int64_t unix_seconds(int year, int month, int day, int hour, int minute, int second);

}  // namespace orderstate
