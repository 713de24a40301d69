#include "orderstate/ids.hpp"

#include <catch2/catch.hpp>

#include "orderstate/clock.hpp"

using namespace orderstate;

TEST_CASE("order and position ids share one base", "[ids]") {
  const auto t = unix_seconds(2026, 3, 3, 12, 0, 0);
  CHECK(format_id(IdKind::Order, t, 1) == "ord-20260303120000-1");
  CHECK(format_id(IdKind::Position, t, 1) == "pos-20260303120000-1");
  CHECK(format_id(IdKind::Order, unix_seconds(1999, 12, 31, 23, 59, 59), 9223372036854775807) ==
        "ord-19991231235959-9223372036854775807");
}

TEST_CASE("times format as RFC 3339 UTC to the second", "[ids]") {
  CHECK(format_rfc3339(unix_seconds(2026, 3, 3, 12, 5, 0)) == "2026-03-03T12:05:00Z");
  CHECK(format_rfc3339(0) == "1970-01-01T00:00:00Z");
  CHECK(format_rfc3339(unix_seconds(2024, 2, 29, 23, 59, 59)) == "2024-02-29T23:59:59Z");
  CHECK(format_compact(unix_seconds(2100, 1, 1, 0, 0, 0)) == "21000101000000");
  CHECK(format_compact(unix_seconds(987, 11, 30, 9, 8, 7)) == "09871130090807");
  // Outside four-digit years the field widens and keeps its sign.
  CHECK(format_rfc3339(unix_seconds(10000, 1, 1, 0, 0, 0)) == "10000-01-01T00:00:00Z");
  CHECK(format_rfc3339(unix_seconds(-1, 12, 31, 23, 59, 58)) == "-001-12-31T23:59:58Z");
}

TEST_CASE("well-formed ids parse to their sequence", "[ids]") {
  const auto p = parse_id(IdKind::Order, "ord-20260303120000-42");
  REQUIRE(p);
  CHECK(p->stamp == "20260303120000");
  CHECK(p->seq == 42);
  CHECK(parse_id(IdKind::Position, "pos-20260303120000-1")->seq == 1);
  CHECK(parse_id(IdKind::Order, "ord-20260303120000-9223372036854775807")->seq ==
        9223372036854775807);
  // Of the form, though never issued: they parse and are simply not found.
  CHECK(parse_id(IdKind::Order, "ord-20260303120000-0"));
  CHECK(parse_id(IdKind::Order, "ord-20260303120000-007"));
}

TEST_CASE("malformed ids are rejected", "[ids]") {
  for (const char* id :
       {"", "ord-", "ord-2026-1", "ord-20260303120000-", "ord-20260303120000",
        "ord-20260303120000-1x", "ord-2026030312000a-1", "ORD-20260303120000-1",
        "pos-20260303120000-1", " ord-20260303120000-1", "ord-20260303120000-1 ",
        "ord-20260303120000--1", "ord-20260303120000-+1", "ord-202603031200000-1",
        "ord-20260303120000-9223372036854775808", "ord-20260303120000-12345678901234567890"}) {
    INFO(id);
    CHECK_FALSE(parse_id(IdKind::Order, id));
  }
  CHECK_FALSE(parse_id(IdKind::Position, "ord-20260303120000-1"));
}

TEST_CASE("RFC 3339 times parse only in the one form orderstate writes", "[clock]") {
  CHECK(orderstate::parse_rfc3339("2026-03-03T12:00:00Z") ==
        orderstate::unix_seconds(2026, 3, 3, 12, 0, 0));
  CHECK(orderstate::parse_rfc3339("2024-02-29T23:59:59Z").has_value());
  for (const char* bad :
       {"2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-03-03T24:00:00Z",
        "2026-03-03T12:00:60Z", "2026-03-03T12:00:00+00:00", "2026-03-03 12:00:00Z",
        "2026-03-03T12:00:00.5Z", "1969-12-31T23:59:59Z", "", "2026-3-3T12:00:00Z"}) {
    INFO(bad);
    CHECK_FALSE(orderstate::parse_rfc3339(bad));
  }
}
