// Prints generated Decimal arithmetic cases with the library's answers, one
// per line: "<op> <a> <b> <scale> <result>". tests/core/decimal_oracle.py
// checks every line against Python's decimal and fractions modules (the
// oracle the issue asks for); the ctest decimal_oracle pipes one into the
// other. Deterministic: a fixed seed.
#include <cstdio>
#include <random>
#include <string>

#include "orderstate/decimal.hpp"

using orderstate::Decimal;

namespace {

std::mt19937_64 rng(14);

int pick(int n) {
  return static_cast<int>(rng() % static_cast<unsigned>(n));
}

// A decimal in the input grammar: 1..38 significant digits, any scale up to 30.
Decimal random_decimal() {
  const int digits = 1 + pick(pick(4) == 0 ? 38 : 12);
  const int scale = pick(4) == 0 ? 0 : pick(digits + 10 < 30 ? digits + 10 : 30);
  std::string text;
  for (int i = 0; i < digits; ++i) text += static_cast<char>('0' + pick(10));
  if (static_cast<int>(text.size()) <= scale) text.insert(0, scale + 1 - text.size(), '0');
  if (scale > 0) text.insert(text.size() - static_cast<std::size_t>(scale), ".");
  if (pick(3) == 0) text.insert(0, "-");
  return *Decimal::parse(text);
}

void print(const char* op, const Decimal& a, const Decimal& b, int scale, const std::string& r) {
  std::printf("%s %s %s %d %s\n", op, a.text().c_str(), b.text().c_str(), scale, r.c_str());
}

}  // namespace

int main() {
  for (int i = 0; i < 4000; ++i) {
    const Decimal a = random_decimal(), b = random_decimal();
    print("add", a, b, 0, Decimal::add(a, b).text());
    print("sub", a, b, 0, Decimal::subtract(a, b).text());
    print("mul", a, b, 0, Decimal::multiply(a, b).text());
    const auto order = Decimal::compare(a, b);
    print("cmp", a, b, 0, order < 0 ? "-1" : order > 0 ? "1" : "0");
    const int scale = pick(30);
    const auto q = Decimal::divide(a, b, scale);
    print("div", a, b, scale, q ? q->text() : "none");
  }
  // Exact ties: (2k+1) * 10^-s / 2 lies halfway between two results at scale s.
  for (int i = 0; i < 1000; ++i) {
    const int s = pick(12);
    std::string odd = std::to_string(2 * (rng() % 1000000) + 1);
    if (static_cast<int>(odd.size()) <= s) odd.insert(0, s + 1 - odd.size(), '0');
    if (s > 0) odd.insert(odd.size() - static_cast<std::size_t>(s), ".");
    if (pick(2)) odd.insert(0, "-");
    const Decimal a = *Decimal::parse(odd), two = *Decimal::parse(pick(2) ? "2" : "-2.0");
    print("div", a, two, s, Decimal::divide(a, two, s)->text());
  }
  // Numerically equal spellings, and zero.
  for (const char* t : {"1.0", "1.00", "-0", "0.000", "-0.0"}) {
    const Decimal a = *Decimal::parse(t), one = *Decimal::parse("1");
    print("cmp", a, one, 0,
          Decimal::compare(a, one) < 0   ? "-1"
          : Decimal::compare(a, one) > 0 ? "1"
                                         : "0");
    print("mul", a, one, 0, Decimal::multiply(a, one).text());
    print("sub", a, a, 0, Decimal::subtract(a, a).text());
  }
  return 0;
}
