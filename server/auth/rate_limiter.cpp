#include "auth/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace taskstream {

RateLimiter::RateLimiter(double per_second, std::size_t max_callers)
    : per_second_(per_second), burst_(std::max(1.0, per_second)), max_callers_(max_callers) {}

void RateLimiter::forget_full_locked(std::chrono::steady_clock::time_point now) {
    std::erase_if(buckets_, [&](const auto& item) {
        const double seconds = std::chrono::duration<double>(now - item.second.at).count();
        return item.second.tokens + seconds * per_second_ >= burst_;
    });
}

std::int64_t RateLimiter::take(const std::string& caller, std::chrono::steady_clock::time_point now) {
    if (per_second_ <= 0) return 0;
    std::lock_guard lock(mutex_);
    auto it = buckets_.find(caller);
    if (it == buckets_.end()) {
        if (buckets_.size() >= max_callers_) forget_full_locked(now);
        // Still full: a new caller shares no one's bucket, but is refused rather than grow the table.
        if (buckets_.size() >= max_callers_) return 1000;
        it = buckets_.emplace(caller, Bucket{burst_, now}).first;
    }
    auto& b = it->second;
    const double seconds = std::chrono::duration<double>(now - b.at).count();
    b.tokens = std::min(burst_, b.tokens + seconds * per_second_);
    b.at = now;
    if (b.tokens >= 1.0) {
        b.tokens -= 1.0;
        return 0;
    }
    return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil((1.0 - b.tokens) / per_second_ * 1000.0)));
}

} // namespace taskstream
