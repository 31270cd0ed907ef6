// Wall-clock helpers: milliseconds since the Unix epoch and RFC 3339 text.
#pragma once

#include <cstdint>
#include <string>

namespace taskstream {

std::int64_t now_ms();
/// "2026-11-25T12:00:00.123Z"; 0 → "" (never set).
std::string format_rfc3339(std::int64_t ms);
/// Parses "YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)"; returns false on anything else.
bool parse_rfc3339(const std::string& text, std::int64_t& ms);

} // namespace taskstream
