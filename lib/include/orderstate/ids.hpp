// Order and position IDs: "ord-YYYYMMDDHHMMSS-<seq>" and "pos-...-<seq>".
// An order and its position share one base (time and sequence). The sequence
// comes from a counter kept by the repository, so it is unique across restarts
// and processes; the sequence alone identifies the pair. Pure functions;
// thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace orderstate {

enum class IdKind { Order, Position };

struct IdParts {
  std::string_view stamp;  // the 14 digits YYYYMMDDHHMMSS, as written
  std::int64_t seq = 0;
};

// Longest ID accepted: "ord-" + 14 digits + "-" + 19 digits.
inline constexpr std::size_t kMaxIdLength = 4 + 14 + 1 + 19;

std::string format_id(IdKind kind, std::int64_t unix_seconds, std::int64_t seq);

// Parses an ID of `kind`: the prefix, exactly 14 digits, '-', then 1 to 19
// digits whose value fits int64. Returns nullopt for anything else. The check
// is syntactic only: IDs are looked up, not trusted, so neither the calendar
// nor leading zeros are checked (such an ID is well-formed and simply absent).
std::optional<IdParts> parse_id(IdKind kind, std::string_view id);

}  // namespace orderstate
