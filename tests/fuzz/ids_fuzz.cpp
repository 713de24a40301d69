// libFuzzer target: parse_id on arbitrary bytes. An accepted id must be
// re-formattable from its parts when it carries no leading zeros.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "orderstate/ids.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (auto kind : {orderstate::IdKind::Order, orderstate::IdKind::Position}) {
    const auto parts = orderstate::parse_id(kind, text);
    if (!parts) continue;
    if (text.size() > orderstate::kMaxIdLength || parts->seq < 0) std::abort();
    const std::string rebuilt = std::string(text.substr(0, 4)) + std::string(parts->stamp) + "-" +
                                std::to_string(parts->seq);
    const bool canonical = text.substr(19) == std::to_string(parts->seq);
    if (canonical && rebuilt != text) std::abort();
  }
  return 0;
}
