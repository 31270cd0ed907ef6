#include "core/backoff.hpp"

#include <algorithm>

namespace taskstream {

std::chrono::milliseconds backoff_delay(std::chrono::milliseconds base, std::chrono::milliseconds max,
                                        int failed_attempt, std::mt19937_64& rng) {
    const int doublings = std::clamp(failed_attempt - 1, 0, 40);  // 2^40 ms is past any sane max
    const auto ceiling = std::min<std::int64_t>(max.count(), base.count() << doublings);
    if (ceiling <= 0) return std::chrono::milliseconds(0);
    return std::chrono::milliseconds(std::uniform_int_distribution<std::int64_t>(0, ceiling)(rng));
}

} // namespace taskstream
