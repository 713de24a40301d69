// Text rules shared by every entry to orderstate: what a stored string may
// hold, so that every answer built from it is valid UTF-8 (RFC 3629) and a
// value means the same at every entry. Pure functions; thread-safe.
#pragma once

#include <string_view>

namespace orderstate {

// True when `s` is well-formed UTF-8 (RFC 3629 §4): no overlong forms, no
// surrogates (U+D800..U+DFFF, which a JSON "\udc00" escape decodes to), nothing
// above U+10FFFF.
bool is_valid_utf8(std::string_view s);

// `s` without surrounding blanks (SP, HTAB, CR, LF). The one whitespace rule
// for exchange, symbol and client_order_id, at every entry (place, the
// cancel_all/liquidate/liquidate_all filters, list filters): surrounding
// blanks are not part of the value, so " BTC/USDT" is "BTC/USDT" everywhere
// (stored so by place, matched so by every filter).
std::string_view trim_blanks(std::string_view s);

// What such a value must be once trimmed: valid UTF-8, no leading or
// trailing space, and no code point a reader cannot see: no control
// character (Unicode general category Cc: C0, DEL, C1), no format character
// (Cf: zero-width and bidirectional controls such as U+200B, U+202E, U+FEFF,
// soft hyphen...), no line or paragraph separator (U+2028, U+2029).
bool is_clean_text(std::string_view s);

}  // namespace orderstate
