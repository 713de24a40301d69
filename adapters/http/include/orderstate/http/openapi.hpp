// The OpenAPI 3 document of the HTTP adapter: every endpoint mount_routes can
// add, with its statuses and body schemas. It is adapters/http/openapi.json,
// embedded at build time. Constant data; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace orderstate::http {

// The paths' prefix as the document writes it (RouteOptions::prefix's default).
inline constexpr std::string_view kOpenApiPrefix = "/api/v1/trading";

// The document as JSON text.
std::string_view openapi_json() noexcept;

// The document with its kOpenApiPrefix paths moved under `prefix`.
std::string openapi_json_for(std::string_view prefix);

}  // namespace orderstate::http
