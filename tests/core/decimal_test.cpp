#include "orderstate/decimal.hpp"

#include <catch2/catch.hpp>
#include <compare>
#include <string>

using orderstate::Decimal;

TEST_CASE("decimals keep the exact text they were written in", "[decimal]") {
  for (const char* text : {"0.01", "50000.00", "0", "00012.500", "-3.25", "1",
                           "12345678901234567890123456789012345678"}) {
    INFO(text);
    const auto d = Decimal::parse(text);
    REQUIRE(d);
    CHECK(d->text() == text);
  }
}

TEST_CASE("malformed decimals are rejected", "[decimal]") {
  for (const char* text :
       {"",      "-",
        ".",     ".5",
        "5.",    "+1",
        "1e5",   "1E5",
        " 1",    "1 ",
        "1,000", "1.2.3",
        "0x10",  "NaN",
        "inf",   "--1",
        "1-",    "１",
        "1.0\n", "123456789012345678901234567890123456789"}) {  // 39 significant digits
    INFO('"' << text << '"');
    CHECK_FALSE(Decimal::parse(text));
  }
  const std::string with_nul("1\0", 2);
  CHECK_FALSE(Decimal::parse(with_nul));
}

TEST_CASE("leading zeros do not count as significant digits", "[decimal]") {
  CHECK(
      Decimal::parse("0000000000"
                     "12345678901234567890123456789012345678"));
  CHECK(Decimal::parse("0.12345678901234567890123456789012345678"));
  CHECK(Decimal::parse("0.000000000000000000000000000000000000001"));
  CHECK_FALSE(Decimal::parse(std::string(80, '0')));  // but the text itself is bounded
}

TEST_CASE("decimal sign and zero tests", "[decimal]") {
  struct Row {
    const char* text;
    bool zero, negative, positive;
  };
  for (const Row& r : {Row{"0", true, false, false}, Row{"0.000", true, false, false},
                       Row{"-0", true, false, false}, Row{"-0.00", true, false, false},
                       Row{"0.01", false, false, true}, Row{"-0.01", false, true, false},
                       Row{"50000.00", false, false, true}}) {
    INFO(r.text);
    const auto d = Decimal::parse(r.text);
    REQUIRE(d);
    CHECK(d->is_zero() == r.zero);
    CHECK(d->is_negative() == r.negative);
    CHECK(d->is_positive() == r.positive);
  }
  CHECK(Decimal().text() == "0");
}

TEST_CASE("decimal arithmetic is exact and keeps the documented scale", "[decimal]") {
  auto d = [](const char* t) { return *Decimal::parse(t); };
  CHECK(Decimal::add(d("0.004"), d("0.006")).text() == "0.010");
  CHECK(Decimal::subtract(d("0.01"), d("0.004")).text() == "0.006");
  CHECK(Decimal::subtract(d("1"), d("1.50")).text() == "-0.50");
  CHECK(Decimal::multiply(d("0.004"), d("50010.00")).text() == "200.04000");
  CHECK(Decimal::multiply(d("-0"), d("3")).text() == "0");
  // 38 x 38 digits: the product has 76, exact.
  const auto big = d("99999999999999999999999999999999999999");
  CHECK(Decimal::multiply(big, big).text() ==
        "9999999999999999999999999999999999999800000000000000000000000000000000000001");
  CHECK(Decimal::compare(d("1.0"), d("1.00")) == std::strong_ordering::equal);
  CHECK(Decimal::compare(d("-0.01"), d("0")) == std::strong_ordering::less);
  CHECK(Decimal::compare(d("-0"), d("0.000")) == std::strong_ordering::equal);
}

TEST_CASE("decimal division rounds half-even", "[decimal]") {
  auto div = [](const char* a, const char* b, int scale) {
    const auto q = Decimal::divide(*Decimal::parse(a), *Decimal::parse(b), scale);
    return q ? q->text() : std::string("none");
  };
  CHECK(div("1", "8", 2) == "0.12");  // 0.125: the even neighbour is below
  CHECK(div("3", "8", 2) == "0.38");  // 0.375: above
  CHECK(div("-1", "8", 2) == "-0.12");
  CHECK(div("-3", "8", 2) == "-0.38");
  CHECK(div("1", "-8", 2) == "-0.12");
  CHECK(div("2", "3", 4) == "0.6667");
  CHECK(div("-2", "3", 4) == "-0.6667");
  CHECK(div("1", "3", 0) == "0");
  CHECK(div("5", "2", 0) == "2");
  CHECK(div("7", "2", 0) == "4");
  CHECK(div("499.980030", "0.010", 11) == "49998.00300000000");
  CHECK(div("1", "0.000", 2) == "none");
}

TEST_CASE("stored decimals may be longer than input ones, within a bound", "[decimal]") {
  const std::string long_value(76, '9');
  CHECK_FALSE(Decimal::parse(long_value));
  CHECK(Decimal::parse_stored(long_value).value().text() == long_value);
  CHECK_FALSE(Decimal::parse_stored(std::string(Decimal::kMaxStoredLength + 1, '1')));
  CHECK_FALSE(Decimal::parse_stored("1e5"));
}
