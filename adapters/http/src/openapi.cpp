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
  // Built by append: GCC 12 at -O3 warns (-Wrestrict, a false positive) on "x" + string.
  std::string from = "\"", to = "\"";
  from.append(kOpenApiPrefix).append("/");
  to.append(prefix).append("/");
  for (auto at = doc.find(from); at != std::string::npos; at = doc.find(from, at + to.size())) {
    doc.replace(at, from.size(), to);
  }
  return doc;
}

}  // namespace orderstate::http
