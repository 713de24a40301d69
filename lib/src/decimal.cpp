#include "orderstate/decimal.hpp"

#include <gmp.h>

#include <algorithm>

namespace orderstate {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Checks the grammar; counts significant digits.
bool well_formed(std::string_view text, std::size_t& significant) {
  std::size_t i = 0;
  if (i < text.size() && text[i] == '-') ++i;
  std::size_t int_digits = 0, frac_digits = 0;
  bool leading = true;  // still inside leading zeros
  significant = 0;
  auto digit = [&](char c) {
    if (c != '0') leading = false;
    if (!leading) ++significant;
  };
  for (; i < text.size() && is_digit(text[i]); ++i, ++int_digits) digit(text[i]);
  if (int_digits == 0) return false;
  if (i < text.size() && text[i] == '.') {
    for (++i; i < text.size() && is_digit(text[i]); ++i, ++frac_digits) digit(text[i]);
    if (frac_digits == 0) return false;
  }
  return i == text.size();
}

// A GMP integer that frees itself.
class Int {
 public:
  Int() { mpz_init(v_); }
  ~Int() { mpz_clear(v_); }
  Int(const Int&) = delete;
  Int& operator=(const Int&) = delete;
  mpz_ptr get() { return v_; }
  mpz_srcptr get() const { return v_; }

 private:
  mpz_t v_;
};

// value = unscaled * 10^-scale
struct Scaled {
  Int unscaled;
  int scale = 0;
};

void load(const Decimal& d, Scaled& out) {
  std::string digits;
  digits.reserve(d.text().size());
  const auto dot = d.text().find('.');
  out.scale = dot == std::string::npos ? 0 : static_cast<int>(d.text().size() - dot - 1);
  for (char c : d.text()) {
    if (c != '.') digits += c;
  }
  mpz_set_str(out.unscaled.get(), digits.c_str(), 10);  // the grammar was checked at parse
}

// unscaled * 10^by
void scale_up(Int& v, int by) {
  if (by <= 0) return;
  Int p;
  mpz_ui_pow_ui(p.get(), 10, static_cast<unsigned long>(by));
  mpz_mul(v.get(), v.get(), p.get());
}

std::string to_text(const Int& unscaled, int scale) {
  std::string digits(mpz_sizeinbase(unscaled.get(), 10) + 2, '\0');
  mpz_get_str(digits.data(), 10, unscaled.get());
  digits.resize(digits.find('\0'));
  const bool negative = !digits.empty() && digits[0] == '-';
  if (negative) digits.erase(0, 1);
  if (scale > 0) {
    if (digits.size() <= static_cast<std::size_t>(scale)) {
      digits.insert(0, static_cast<std::size_t>(scale) + 1 - digits.size(), '0');
    }
    digits.insert(digits.size() - static_cast<std::size_t>(scale), 1, '.');
  }
  return negative ? "-" + digits : digits;
}

}  // namespace

std::optional<Decimal> Decimal::parse(std::string_view text) {
  std::size_t significant = 0;
  if (!well_formed(text, significant) || significant > kMaxSignificantDigits) return std::nullopt;
  // Leading zeros count toward nothing but length; cap the text itself too.
  if (text.size() > 2 * kMaxSignificantDigits + 2) return std::nullopt;
  return Decimal(std::string(text));
}

std::optional<Decimal> Decimal::parse_stored(std::string_view text) {
  std::size_t significant = 0;
  if (text.size() > kMaxStoredLength || !well_formed(text, significant)) return std::nullopt;
  return Decimal(std::string(text));
}

bool Decimal::is_zero() const {
  return std::none_of(text_.begin(), text_.end(), [](char c) { return is_digit(c) && c != '0'; });
}

bool Decimal::is_negative() const {
  return !text_.empty() && text_[0] == '-' && !is_zero();
}

int Decimal::scale() const {
  const auto dot = text_.find('.');
  return dot == std::string::npos ? 0 : static_cast<int>(text_.size() - dot - 1);
}

namespace {

// a and b as integers of one scale, the larger of theirs: what add,
// subtract and compare work on.
void load_aligned(const Decimal& a, const Decimal& b, Scaled& x, Scaled& y) {
  load(a, x);
  load(b, y);
  scale_up(x.unscaled, y.scale - x.scale);
  scale_up(y.unscaled, x.scale - y.scale);
  x.scale = y.scale = std::max(x.scale, y.scale);
}

}  // namespace

std::strong_ordering Decimal::compare(const Decimal& a, const Decimal& b) {
  Scaled x, y;
  load_aligned(a, b, x, y);
  const int c = mpz_cmp(x.unscaled.get(), y.unscaled.get());
  return c < 0   ? std::strong_ordering::less
         : c > 0 ? std::strong_ordering::greater
                 : std::strong_ordering::equal;
}

Decimal Decimal::add(const Decimal& a, const Decimal& b) {
  Scaled x, y;
  load_aligned(a, b, x, y);
  mpz_add(x.unscaled.get(), x.unscaled.get(), y.unscaled.get());
  return Decimal(to_text(x.unscaled, x.scale));
}

Decimal Decimal::subtract(const Decimal& a, const Decimal& b) {
  Scaled x, y;
  load_aligned(a, b, x, y);
  mpz_sub(x.unscaled.get(), x.unscaled.get(), y.unscaled.get());
  return Decimal(to_text(x.unscaled, x.scale));
}

Decimal Decimal::multiply(const Decimal& a, const Decimal& b) {
  Scaled x, y;
  load(a, x);
  load(b, y);
  mpz_mul(x.unscaled.get(), x.unscaled.get(), y.unscaled.get());
  return Decimal(to_text(x.unscaled, x.scale + y.scale));
}

std::optional<Decimal> Decimal::divide(const Decimal& a, const Decimal& b, int scale) {
  if (b.is_zero() || scale < 0) return std::nullopt;
  Scaled x, y;
  load(a, x);
  load(b, y);
  // a/b at `scale` = (ua * 10^(scale + sb - sa)) / ub, with the exponent
  // moved to the divisor when it is negative.
  const int shift = scale + y.scale - x.scale;
  scale_up(x.unscaled, shift);
  scale_up(y.unscaled, -shift);
  Int q, r;
  mpz_tdiv_qr(q.get(), r.get(), x.unscaled.get(), y.unscaled.get());  // truncates toward zero
  // Half-even: compare 2|r| with |divisor|; on a tie round to the even quotient.
  mpz_abs(r.get(), r.get());
  mpz_mul_2exp(r.get(), r.get(), 1);
  mpz_abs(y.unscaled.get(), y.unscaled.get());
  const int c = mpz_cmp(r.get(), y.unscaled.get());
  if (c > 0 || (c == 0 && mpz_odd_p(q.get()))) {
    // Away from zero, on the side of the true quotient.
    if (a.is_negative() != b.is_negative()) {
      mpz_sub_ui(q.get(), q.get(), 1);
    } else {
      mpz_add_ui(q.get(), q.get(), 1);
    }
  }
  return Decimal(to_text(q, scale));
}

}  // namespace orderstate
