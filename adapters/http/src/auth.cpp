#include "orderstate/http/auth.hpp"

#include <cctype>

namespace orderstate::http {
namespace {

constexpr std::string_view kScheme = "bearer ";

bool starts_with_ignoring_case(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

// Time depends on the presented length only, never on where the bytes differ
// nor on the secret's length.
bool equal_constant_time(std::string_view presented, std::string_view secret) {
  if (secret.empty()) return false;
  volatile unsigned char diff = presented.size() == secret.size() ? 0 : 1;
  for (std::size_t i = 0; i < presented.size(); ++i) {
    diff = diff | static_cast<unsigned char>(presented[i] ^ secret[i % secret.size()]);
  }
  return diff == 0;
}

}  // namespace

std::optional<std::string> Auth::account_for(std::string_view authorization) const {
  if (!starts_with_ignoring_case(authorization, kScheme)) return std::nullopt;
  const std::string_view presented = trim(authorization.substr(kScheme.size()));
  if (presented.empty()) return std::nullopt;
  const ApiKey* match = nullptr;
  for (const ApiKey& k : keys) {  // no early exit: every key costs the same
    if (equal_constant_time(presented, k.key) && match == nullptr) match = &k;
  }
  if (match == nullptr) return std::nullopt;
  return match->account;
}

std::optional<ApiKey> parse_api_key(std::string_view spec) {
  const auto colon = spec.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == spec.size()) {
    return std::nullopt;
  }
  return ApiKey{std::string(spec.substr(0, colon)), std::string(spec.substr(colon + 1))};
}

}  // namespace orderstate::http
