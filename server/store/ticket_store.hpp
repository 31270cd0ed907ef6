// TicketStore: single-use values that can be taken once (stream tickets, by the
// SHA-256 of the ticket). MemoryTickets keeps them in this process (one server);
// RedisSharedTickets on the store, so that one minted on one server is redeemed
// on any. The TicketBook does not know which it has.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace taskstream {

class TicketStore {
public:
    virtual ~TicketStore() = default;
    /// Keeps `value` under `key` until `expires_at_ms`. False when there is no room
    /// (bounded, and full of unexpired values). Throws StoreError.
    virtual bool put(const std::string& key, const std::string& value, std::int64_t expires_at_ms,
                     std::int64_t now_ms) = 0;
    /// The value, removed in the same step, so only one taker ever gets it. Throws StoreError.
    virtual std::optional<std::string> take(const std::string& key) = 0;
};

} // namespace taskstream
