#include "orderstate/text.hpp"

namespace orderstate {

bool is_valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    const unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    // The byte ranges of RFC 3629 §4 (UTF8-2, UTF8-3, UTF8-4).
    int tail;
    unsigned char lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
      tail = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
      tail = 2;
      if (c == 0xe0) lo = 0xa0;  // overlong
      if (c == 0xed) hi = 0x9f;  // surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      tail = 3;
      if (c == 0xf0) lo = 0x90;  // overlong
      if (c == 0xf4) hi = 0x8f;  // above U+10FFFF
    } else {
      return false;
    }
    if (end - p <= tail || p[1] < lo || p[1] > hi) return false;
    for (int i = 2; i <= tail; ++i) {
      if (p[i] < 0x80 || p[i] > 0xbf) return false;
    }
    p += tail + 1;
  }
  return true;
}

std::string_view trim_blanks(std::string_view s) {
  constexpr std::string_view kBlank = " \t\r\n";
  const auto first = s.find_first_not_of(kBlank);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(kBlank) - first + 1);
}

namespace {

// Cc, Cf, Zl and Zp above ASCII (Unicode 15 general categories), as ranges.
constexpr struct {
  char32_t first, last;
} kInvisible[] = {
    {0x80, 0x9f},       {0xad, 0xad},       {0x600, 0x605},     {0x61c, 0x61c},
    {0x6dd, 0x6dd},     {0x70f, 0x70f},     {0x890, 0x891},     {0x8e2, 0x8e2},
    {0x180e, 0x180e},   {0x200b, 0x200f},   {0x2028, 0x202e},   {0x2060, 0x2064},
    {0x2066, 0x206f},   {0xfeff, 0xfeff},   {0xfff9, 0xfffb},   {0x110bd, 0x110bd},
    {0x110cd, 0x110cd}, {0x13430, 0x1343f}, {0x1bca0, 0x1bca3}, {0x1d173, 0x1d17a},
    {0xe0001, 0xe0001}, {0xe0020, 0xe007f},
};

// The code points of valid UTF-8 `s`, one at a time.
char32_t decode(const unsigned char*& p) {
  const unsigned char c = *p++;
  if (c < 0x80) return c;
  const int tail = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
  char32_t cp = c & (0x3f >> tail);
  for (int i = 0; i < tail; ++i) cp = (cp << 6) | (*p++ & 0x3f);
  return cp;
}

bool invisible(char32_t cp) {
  if (cp < 0x20 || cp == 0x7f) return true;
  for (const auto& r : kInvisible) {
    if (cp >= r.first && cp <= r.last) return true;
  }
  return false;
}

}  // namespace

bool is_clean_text(std::string_view s) {
  if (!is_valid_utf8(s)) return false;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    if (invisible(decode(p))) return false;
  }
  return s.empty() || (s.front() != ' ' && s.back() != ' ');
}

}  // namespace orderstate
