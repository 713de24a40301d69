// Shared by the PostgreSQL benchmark and system tests, which each work in a
// database of their own on the throwaway cluster tests/run-with-pg.sh starts.
#pragma once

#include <string>

namespace orderstate::testing {

// The cluster's URI with its database name replaced by `db`.
inline std::string with_database(const std::string& uri, const std::string& db) {
  const auto scheme = uri.find("://");
  const auto slash = uri.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  const auto query = uri.find('?');
  std::string out = slash == std::string::npos ? uri.substr(0, query) : uri.substr(0, slash);
  out += "/" + db;
  if (query != std::string::npos) out += uri.substr(query);
  return out;
}

}  // namespace orderstate::testing
