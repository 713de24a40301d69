#include "orderstate/decimal.hpp"

#include <catch2/catch.hpp>

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
