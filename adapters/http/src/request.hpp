// Request decoding shared by the routes (private): small text helpers and the
// optional {"symbol"} body of the *_all endpoints. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace orderstate::http {

std::string to_upper(std::string_view s);

// An empty (or blank) body, or a JSON object whose optional "symbol" is a
// string. Sets `symbol` to the symbol as sent (the core trims it),
// or nullopt when absent. Returns false for any other body.
bool decode_symbol_filter(const std::string& body, std::optional<std::string>& symbol);

}  // namespace orderstate::http
