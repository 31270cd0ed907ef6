// TicketBook: short-lived, single-use tickets for the streams a browser's
// EventSource opens (it cannot send an Authorization header). A ticket names the
// streams it opens and carries the principal that minted it; it is taken out of
// the book when used, so a ticket seen in a log or a history is worth nothing.
// Where the tickets are kept is the TicketStore's (this process, or the store
// several servers share, so that a ticket minted on one opens a stream on any).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "auth/principal.hpp"
#include "store/ticket_store.hpp"

namespace taskstream {

class TicketBook {
public:
    /// Tickets kept in `kept`, each valid for `ttl`.
    TicketBook(TicketStore& kept, std::chrono::milliseconds ttl) : kept_(kept), ttl_(ttl) {}

    struct Minted {
        std::string ticket;
        std::int64_t expires_at_ms = 0;
    };
    /// A ticket for `streams` (canonical stream targets) acting for `principal`.
    /// errc::unavailable when the book is full of unexpired tickets.
    Outcome<Minted> mint(const Principal& principal, std::vector<std::string> streams, std::int64_t now_ms);
    /// The principal of `ticket` when it is unused, unexpired and names `stream`;
    /// the ticket is used up by any attempt that finds it, right or wrong.
    Outcome<Principal> redeem(std::string_view ticket, const std::string& stream, std::int64_t now_ms);

    std::chrono::milliseconds ttl() const { return ttl_; }

private:
    TicketStore& kept_;  // by the ticket's SHA-256: no usable ticket is kept
    std::chrono::milliseconds ttl_;
};

} // namespace taskstream
