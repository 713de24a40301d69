#include "orderstate/decimal.hpp"

namespace orderstate {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

}  // namespace

std::optional<Decimal> Decimal::parse(std::string_view text) {
  std::size_t i = 0;
  if (i < text.size() && text[i] == '-') ++i;
  std::size_t int_digits = 0, frac_digits = 0, significant = 0;
  bool leading = true;  // still inside leading zeros
  auto digit = [&](char c) {
    if (c != '0') leading = false;
    if (!leading) ++significant;
  };
  for (; i < text.size() && is_digit(text[i]); ++i, ++int_digits) digit(text[i]);
  if (int_digits == 0) return std::nullopt;
  if (i < text.size() && text[i] == '.') {
    for (++i; i < text.size() && is_digit(text[i]); ++i, ++frac_digits) digit(text[i]);
    if (frac_digits == 0) return std::nullopt;
  }
  if (i != text.size() || significant > kMaxSignificantDigits) return std::nullopt;
  // Leading zeros count toward nothing but length; cap the text itself too.
  if (text.size() > 2 * kMaxSignificantDigits + 2) return std::nullopt;
  return Decimal(std::string(text));
}

bool Decimal::is_zero() const {
  for (char c : text_) {
    if (is_digit(c) && c != '0') return false;
  }
  return true;
}

bool Decimal::is_negative() const {
  return !text_.empty() && text_[0] == '-' && !is_zero();
}

}  // namespace orderstate
