// Retry delays: exponential growth with full jitter.
#pragma once

#include <chrono>
#include <random>

namespace taskstream {

/// A uniformly random delay in [0, min(max, base · 2^(failed_attempt − 1))]
/// ("full jitter": retries of many tasks spread out instead of arriving in step).
std::chrono::milliseconds backoff_delay(std::chrono::milliseconds base, std::chrono::milliseconds max,
                                        int failed_attempt, std::mt19937_64& rng);

} // namespace taskstream
