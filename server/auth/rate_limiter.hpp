// RateLimiter: a token bucket per caller (a token's subject, or the client's
// address without authentication) of publish requests (a batch is one). The table of callers is
// bounded: past it, the buckets that are full again are forgotten first.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace taskstream {

class RateLimiter {
public:
    /// `per_second` requests per second with bursts of as many (at least 1); 0: no limit.
    RateLimiter(double per_second, std::size_t max_callers = 100000);

    /// Takes one request from `caller`'s bucket. 0 when allowed; else the
    /// milliseconds to wait before it would be (nothing is taken then).
    std::int64_t take(const std::string& caller, std::chrono::steady_clock::time_point now);

    bool enabled() const { return per_second_ > 0; }

private:
    struct Bucket {
        double tokens;
        std::chrono::steady_clock::time_point at;
    };
    void forget_full_locked(std::chrono::steady_clock::time_point now);

    double per_second_;
    double burst_;
    std::size_t max_callers_;
    std::mutex mutex_;
    std::unordered_map<std::string, Bucket> buckets_;
};

} // namespace taskstream
