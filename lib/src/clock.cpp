#include "orderstate/clock.hpp"

#include <chrono>
#include <cstdio>

namespace orderstate {
namespace {

struct Civil {
  int year, month, day, hour, minute, second;
};

// Howard Hinnant's days-from-civil algorithm, inverted.
Civil to_civil(std::int64_t t) {
  std::int64_t days = t / 86400;
  std::int64_t rem = t % 86400;
  if (rem < 0) rem += 86400, --days;
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const std::int64_t doe = days - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  const int year = static_cast<int>(yoe + era * 400 + (month <= 2));
  return {year,
          month,
          day,
          static_cast<int>(rem / 3600),
          static_cast<int>(rem / 60 % 60),
          static_cast<int>(rem % 60)};
}

}  // namespace

std::int64_t SystemClock::now() const {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

std::int64_t unix_seconds(int year, int month, int day, int hour, int minute, int second) {
  const std::int64_t y = year - (month <= 2);
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const std::int64_t days = era * 146097 + doe - 719468;
  return days * 86400 + hour * 3600 + minute * 60 + second;
}

namespace {

// Writes `width` decimal digits of `v` (0 <= v < 10^width) at `out`.
char* put_digits(char* out, int v, int width) {
  for (int i = width - 1; i >= 0; --i, v /= 10) out[i] = static_cast<char>('0' + v % 10);
  return out + width;
}

// Both formats are on every write's path, so the common years are written
// by hand rather than through snprintf (a tenth of a cancel's instructions).
std::string format(std::int64_t t, bool compact) {
  const Civil c = to_civil(t);
  char buf[32];
  if (c.year < 0 || c.year > 9999) {
    std::snprintf(buf, sizeof buf,
                  compact ? "%04d%02d%02d%02d%02d%02d" : "%04d-%02d-%02dT%02d:%02d:%02dZ", c.year,
                  c.month, c.day, c.hour, c.minute, c.second);
    return buf;
  }
  char* p = put_digits(buf, c.year, 4);
  const int rest[] = {c.month, c.day, c.hour, c.minute, c.second};
  constexpr char kSeparators[] = "--T::Z";
  for (int i = 0; i < 5; ++i) {
    if (!compact) *p++ = kSeparators[i];
    p = put_digits(p, rest[i], 2);
  }
  if (!compact) *p++ = 'Z';
  return std::string(buf, p);
}

}  // namespace

std::string format_rfc3339(std::int64_t t) {
  return format(t, false);
}

std::string format_compact(std::int64_t t) {
  return format(t, true);
}

std::optional<std::int64_t> parse_rfc3339(std::string_view t) {
  // "YYYY-MM-DDTHH:MM:SSZ"
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:ddZ";
  if (t.size() != kShape.size()) return std::nullopt;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const bool digit = t[i] >= '0' && t[i] <= '9';
    if (kShape[i] == 'd' ? !digit : t[i] != kShape[i]) return std::nullopt;
  }
  auto num = [&](std::size_t at, std::size_t len) {
    int v = 0;
    for (std::size_t i = at; i < at + len; ++i) v = v * 10 + (t[i] - '0');
    return v;
  };
  const int year = num(0, 4), month = num(5, 2), day = num(8, 2);
  const int hour = num(11, 2), minute = num(14, 2), second = num(17, 2);
  if (year < 1970 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 ||
      second > 59) {
    return std::nullopt;
  }
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (day > kDays[month - 1] + (month == 2 && leap ? 1 : 0)) return std::nullopt;
  return unix_seconds(year, month, day, hour, minute, second);
}

}  // namespace orderstate
