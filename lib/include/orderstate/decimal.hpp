// Decimal: an exact decimal number kept as the text it was written in, so
// "50000.00" comes back as "50000.00". Never converted through a double.
//
// Input grammar (parse): an optional '-', one or more digits, optionally '.'
// and one or more digits; at most 38 significant digits. No '+', exponent,
// spaces or separators.
//
// Arithmetic is exact (GMP integers scaled by a power of ten): a sum or
// difference has the larger of the two scales, a product the sum of the
// scales, and only divide() rounds, half-even (IEEE 754 / General Decimal
// Arithmetic "round-half-even"), to the scale asked for. Results of
// arithmetic may exceed 38 significant digits (a product of two inputs has
// up to 76); parse_stored() reads such values back.
//
// A plain value; thread-compatible.
#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace orderstate {

class Decimal {
 public:
  static constexpr int kMaxSignificantDigits = 38;      // client input (parse)
  static constexpr std::size_t kMaxStoredLength = 200;  // parse_stored

  // The decimal spelled by `text`, or nullopt when `text` is not in the grammar.
  static std::optional<Decimal> parse(std::string_view text);
  // The same grammar without the significant-digit cap (text of at most
  // kMaxStoredLength bytes): for values orderstate computed and stored.
  static std::optional<Decimal> parse_stored(std::string_view text);

  // Zero, spelled "0".
  Decimal() : text_("0") {}

  const std::string& text() const { return text_; }
  bool is_negative() const;  // "-0" and "-0.00" are not negative
  bool is_zero() const;
  bool is_positive() const { return !is_zero() && !is_negative(); }
  // Digits after the point: 2 for "50000.00", 0 for "7".
  int scale() const;

  // Same text: "1.0" and "1.00" are different spellings, kept apart on purpose
  // (an idempotency key compares spellings). For numeric order use compare().
  friend bool operator==(const Decimal&, const Decimal&) = default;
  // The same spelling: d == "0.010" only when d's text is "0.010".
  friend bool operator==(const Decimal& d, std::string_view text) { return d.text_ == text; }
  // Numeric order: compare("1.0", "1.00") is equal.
  static std::strong_ordering compare(const Decimal& a, const Decimal& b);

  // Exact. Scale: max(a.scale(), b.scale()).
  static Decimal add(const Decimal& a, const Decimal& b);
  static Decimal subtract(const Decimal& a, const Decimal& b);
  // Exact. Scale: a.scale() + b.scale().
  static Decimal multiply(const Decimal& a, const Decimal& b);
  // a / b rounded half-even to `scale` digits after the point (scale >= 0);
  // nullopt when b is zero.
  static std::optional<Decimal> divide(const Decimal& a, const Decimal& b, int scale);

 private:
  explicit Decimal(std::string text) : text_(std::move(text)) {}
  std::string text_;
};

}  // namespace orderstate
