#include "request.hpp"

#include <cctype>

#include "json.hpp"

namespace orderstate::http {
namespace {

constexpr std::string_view kBlank = " \t\r\n";

}  // namespace

std::string to_upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool decode_symbol_filter(const std::string& body, std::optional<std::string>& symbol) {
  symbol.reset();
  if (body.find_first_not_of(kBlank) == std::string::npos) return true;
  const auto o = JsonObject::parse(body);
  if (!o) return false;
  const TextField f = string_field(*o, "symbol");
  if (!f.valid) return false;
  // Trimmed, and a blank one dropped, by the core (text.hpp's one rule).
  if (f.text) symbol = *f.text;
  return true;
}

}  // namespace orderstate::http
