// Auth: the API keys the HTTP adapter accepts, each naming the account its
// requests act for. Keys are compared in time independent of their contents
// and are never logged or echoed. Immutable once built: safe to share between
// threads for reading.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace orderstate::http {

struct ApiKey {
  std::string account;  // the account every request with `key` acts for
  std::string key;      // the secret a client sends as "Authorization: Bearer <key>"
};

struct Auth {
  std::vector<ApiKey> keys;

  // The account of an Authorization header value ("Bearer <key>", scheme in
  // any case), or nullopt when the header is malformed or the key unknown.
  // Every key is compared, each in constant time for the presented length.
  std::optional<std::string> account_for(std::string_view authorization) const;
};

// Parses "ACCOUNT:KEY" (split at the first ':'); nullopt when either side is
// empty. For command lines and environment variables.
std::optional<ApiKey> parse_api_key(std::string_view spec);

}  // namespace orderstate::http
