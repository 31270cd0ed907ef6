// SharedTickets: single-use values that every server on a shared store can take
// once (stream tickets minted on one server, redeemed on another). Only a store that
// several servers share has it (RedisSharedTickets).
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace taskstream {

class SharedTickets {
public:
    virtual ~SharedTickets() = default;
    /// Keeps `value` under `key` for `ttl`. Throws StoreError.
    virtual void put(const std::string& key, const std::string& value, std::chrono::milliseconds ttl) = 0;
    /// The value, removed in the same step, so only one taker ever gets it. Throws StoreError.
    virtual std::optional<std::string> take(const std::string& key) = 0;
};

} // namespace taskstream
