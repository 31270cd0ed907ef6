// Text checks for what clients send: UTF-8 validity, and a form of untrusted
// text that is safe to put in a log line.
#pragma once

#include <string>
#include <string_view>

namespace taskstream {

/// True when `text` is well-formed UTF-8 (no overlongs, no surrogates, ≤ U+10FFFF).
bool valid_utf8(std::string_view text);
/// The length of the well-formed UTF-8 sequence that starts at `text[i]`, or 0 when there is none.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i);

/// `text` for a log line: control characters, backslashes and bytes that are not
/// UTF-8 become \xNN, so that a client cannot forge lines; cut after `max` bytes.
std::string printable(std::string_view text, std::size_t max = 200);

/// `text` safe to print on a terminal or as one line of a pipe: control characters
/// (C0 but tab, DEL, C1) and bytes that are not UTF-8 become \xNN, so that text
/// from a task or a producer can neither forge a line nor send escape sequences.
std::string without_controls(std::string_view text);

} // namespace taskstream
