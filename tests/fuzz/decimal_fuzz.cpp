// libFuzzer target: Decimal::parse on arbitrary bytes. Whatever it accepts
// must round-trip exactly and obey the grammar's bounds.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "orderstate/decimal.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto d = orderstate::Decimal::parse(text);
  if (!d) return 0;
  if (d->text() != text) std::abort();
  if (d->is_positive() && (d->is_zero() || d->is_negative())) std::abort();
  for (char c : text) {
    if (!(c == '-' || c == '.' || (c >= '0' && c <= '9'))) std::abort();
  }
  return 0;
}
