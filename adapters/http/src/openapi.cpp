// The embedded OpenAPI document (generated: openapi_document.cpp).
#include "orderstate/http/openapi.hpp"

#include "openapi_document.hpp"

namespace orderstate::http {

std::string_view openapi_json() noexcept {
  return embedded_openapi_json();
}

std::string openapi_json_for(std::string_view prefix) {
  std::string doc(openapi_json());
  if (prefix == kOpenApiPrefix) return doc;
  // Every trading path key is the quoted prefix, a '/', then the route.
  const std::string from = "\"" + std::string(kOpenApiPrefix) + "/";
  const std::string to = "\"" + std::string(prefix) + "/";
  for (auto at = doc.find(from); at != std::string::npos; at = doc.find(from, at + to.size())) {
    doc.replace(at, from.size(), to);
  }
  return doc;
}

}  // namespace orderstate::http
