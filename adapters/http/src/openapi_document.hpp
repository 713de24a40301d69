// The text of adapters/http/openapi.json (private). Its definition is
// generated at build time by cmake/embed_file.cmake.
#pragma once

#include <string_view>

namespace orderstate::http {

std::string_view embedded_openapi_json() noexcept;

}  // namespace orderstate::http
