// send_stamp: the send time the load generator put in an event's data
// ({"t": nanoseconds, "n": index}, as each peer passes it on). A scan instead
// of a JSON parse: at a million deliveries a second the parse would be the
// load generator's bottleneck.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace taskstream::testing {

inline std::optional<std::int64_t> send_stamp(std::string_view data) {
    const auto at = data.find("\"t\":");
    if (at == std::string_view::npos) return std::nullopt;
    std::int64_t t = 0;
    const char* first = data.data() + at + 4;
    auto [end, ec] = std::from_chars(first, data.data() + data.size(), t);
    if (ec != std::errc{} || end == first) return std::nullopt;
    return t;
}

} // namespace taskstream::testing
