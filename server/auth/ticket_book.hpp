// TicketBook: short-lived, single-use tickets for the streams a browser's
// EventSource opens (it cannot send an Authorization header). A ticket names the
// streams it opens and carries the principal that minted it; it is taken out of
// the book when used, so a ticket seen in a log or a history is worth nothing.
// On a store several servers share, the book keeps its tickets there, so that a
// ticket minted on one server opens a stream on any.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/principal.hpp"
#include "store/shared_tickets.hpp"

namespace taskstream {

class TicketBook {
public:
    /// At most `capacity` unused tickets at once, each valid for `ttl`.
    TicketBook(std::size_t capacity, std::chrono::milliseconds ttl);

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
    /// Keep tickets in `shared` instead of this process (before any mint).
    void share_through(SharedTickets* shared) { shared_ = shared; }

private:
    struct Entry {
        Principal principal;
        std::vector<std::string> streams;
        std::int64_t expires_at_ms = 0;
    };
    void drop_expired_locked(std::int64_t now_ms);

    std::mutex mutex_;
    std::unordered_map<std::string, Entry> tickets_;  // by the ticket's SHA-256: the book holds no usable ticket
    std::size_t capacity_;
    SharedTickets* shared_ = nullptr;
    std::chrono::milliseconds ttl_;
};

} // namespace taskstream
