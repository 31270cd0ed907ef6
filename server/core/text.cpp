#include "core/text.hpp"

#include <algorithm>
#include <cstdint>

namespace taskstream {
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
    const auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(text[k]); };
    const std::uint8_t b0 = byte(i);
    if (b0 < 0x80) return 1;
    std::size_t n = 0;
    std::uint8_t lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
    if (b0 >= 0xC2 && b0 <= 0xDF) n = 2;
    else if (b0 == 0xE0) n = 3, lo = 0xA0;
    else if (b0 >= 0xE1 && b0 <= 0xEC) n = 3;
    else if (b0 == 0xED) n = 3, hi = 0x9F;  // no surrogates
    else if (b0 >= 0xEE && b0 <= 0xEF) n = 3;
    else if (b0 == 0xF0) n = 4, lo = 0x90;
    else if (b0 >= 0xF1 && b0 <= 0xF3) n = 4;
    else if (b0 == 0xF4) n = 4, hi = 0x8F;  // ≤ U+10FFFF
    else return 0;
    if (i + n > text.size()) return 0;
    if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
    for (std::size_t k = 2; k < n; ++k)
        if ((byte(i + k) & 0xC0) != 0x80) return 0;
    return n;
}

bool valid_utf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        const auto n = utf8_sequence_length(text, i);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

namespace {

/// Escapes as \xNN every byte that is not UTF-8, and every code point `escaped` names.
template <typename Escaped>
std::string escape_bytes(std::string_view text, Escaped escaped) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(text.size());
    const auto hex = [&out](std::uint8_t c) {
        out += "\\x";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
    };
    for (std::size_t i = 0; i < text.size();) {
        const auto n = utf8_sequence_length(text, i);
        if (n == 0 || escaped(text.substr(i, n))) {
            for (std::size_t k = 0; k < std::max<std::size_t>(n, 1); ++k) hex(static_cast<std::uint8_t>(text[i + k]));
            i += std::max<std::size_t>(n, 1);
        } else {
            out.append(text.substr(i, n));
            i += n;
        }
    }
    return out;
}

bool is_control(std::string_view code_point) {
    const auto c = static_cast<std::uint8_t>(code_point[0]);
    if (code_point.size() == 1) return (c < 0x20 && c != '\t') || c == 0x7F;
    // C1 controls, U+0080..U+009F (0x9B alone is a CSI to many terminals).
    return code_point.size() == 2 && c == 0xC2 && static_cast<std::uint8_t>(code_point[1]) < 0xA0;
}

} // namespace

std::string printable(std::string_view text, std::size_t max) {
    const bool cut = text.size() > max;
    if (cut) text = text.substr(0, max);
    auto out = escape_bytes(text, [](std::string_view cp) { return cp == "\t" || cp == "\\" || is_control(cp); });
    if (cut) out += "…";
    return out;
}

std::string without_controls(std::string_view text) { return escape_bytes(text, is_control); }

} // namespace taskstream
