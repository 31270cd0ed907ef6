// Time helpers: milliseconds since the Unix epoch, RFC 3339 text, durations with units.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace taskstream {

std::int64_t now_ms();
/// "2026-11-25T12:00:00.123Z"; 0 → "" (never set).
std::string format_rfc3339(std::int64_t ms);
/// Parses "YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)"; returns false on anything else.
bool parse_rfc3339(const std::string& text, std::int64_t& ms);
/// "500ms", "30s", "5m", "2h", "1d" → milliseconds; nullopt when malformed or zero.
std::optional<std::chrono::milliseconds> parse_duration(const std::string& text);

} // namespace taskstream
