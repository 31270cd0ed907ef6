// StartRate: a kind's `rate` or `key_rate` — "100/s", "20/m", "1000/h": at most
// that many starts per interval. Enforced as GCRA without a burst allowance: starts
// are spaced at least interval / count apart (rounded up to the microsecond), so no
// interval ever holds more than count of them, a backlog drains at an even pace and
// one number (when the next start may be) is all the state a kind or key needs —
// the same rule in the executor and in the Redis claim script.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace taskstream {

struct StartRate {
    std::uint32_t count = 0;
    std::chrono::seconds per{1};

    /// The least time between two starts.
    std::chrono::microseconds spacing() const;
    /// "100/s", as written.
    std::string text() const;
    /// "100 per second", for a sentence.
    std::string describe() const;
};

/// "N/s", "N/m" or "N/h" with N from 1 to 1,000,000; nullopt for anything else.
std::optional<StartRate> parse_start_rate(std::string_view text);

/// Counts `n` starts of `kind` held back by a rate: taskstream_rate_limited_starts_total{kind}.
void count_rate_held(const std::string& kind, std::size_t n = 1);

} // namespace taskstream
