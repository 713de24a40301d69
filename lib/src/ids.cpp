#include "orderstate/ids.hpp"

#include <charconv>
#include <limits>

#include "orderstate/clock.hpp"

namespace orderstate {
namespace {

constexpr std::string_view kOrderPrefix = "ord-";
constexpr std::string_view kPositionPrefix = "pos-";
constexpr std::size_t kStampDigits = 14;
constexpr std::size_t kMaxSeqDigits = 19;

std::string_view prefix(IdKind kind) {
  return kind == IdKind::Order ? kOrderPrefix : kPositionPrefix;
}

bool all_digits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

std::string format_id(IdKind kind, std::int64_t unix_seconds, std::int64_t seq) {
  std::string id(prefix(kind));
  id += format_compact(unix_seconds);
  id += '-';
  id += std::to_string(seq);
  return id;
}

std::optional<IdParts> parse_id(IdKind kind, std::string_view id) {
  const std::string_view p = prefix(kind);
  if (id.size() > kMaxIdLength || !id.starts_with(p)) return std::nullopt;
  id.remove_prefix(p.size());
  if (id.size() < kStampDigits + 2 || id[kStampDigits] != '-') return std::nullopt;
  const std::string_view stamp = id.substr(0, kStampDigits);
  const std::string_view seq = id.substr(kStampDigits + 1);
  if (!all_digits(stamp) || !all_digits(seq) || seq.size() > kMaxSeqDigits) return std::nullopt;
  IdParts parts{stamp, 0};
  auto [end, ec] = std::from_chars(seq.data(), seq.data() + seq.size(), parts.seq);
  if (ec != std::errc() || end != seq.data() + seq.size()) return std::nullopt;  // overflow
  return parts;
}

}  // namespace orderstate
