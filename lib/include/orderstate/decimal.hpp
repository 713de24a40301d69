// Decimal: an exact decimal number kept as the text it was written in, so
// "50000.00" comes back as "50000.00". Never converted through a double.
// Grammar: an optional '-', one or more digits, optionally '.' and one or more
// digits; at most 38 significant digits. No '+', exponent, spaces or
// separators. A plain value; thread-compatible.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace orderstate {

class Decimal {
 public:
  static constexpr int kMaxSignificantDigits = 38;

  // The decimal spelled by `text`, or nullopt when `text` is not in the grammar.
  static std::optional<Decimal> parse(std::string_view text);

  // Zero, spelled "0".
  Decimal() : text_("0") {}

  const std::string& text() const { return text_; }
  bool is_negative() const;  // "-0" and "-0.00" are not negative
  bool is_zero() const;
  bool is_positive() const { return !is_zero() && !is_negative(); }

  // Same text: "1.0" and "1.00" are different spellings, kept apart on purpose.
  friend bool operator==(const Decimal&, const Decimal&) = default;

 private:
  explicit Decimal(std::string text) : text_(std::move(text)) {}
  std::string text_;
};

}  // namespace orderstate
