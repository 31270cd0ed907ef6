#include "auth/ticket_book.hpp"

#include <algorithm>

#include <openssl/rand.h>

#include "core/digest.hpp"

namespace taskstream {

TicketBook::TicketBook(std::size_t capacity, std::chrono::milliseconds ttl) : capacity_(capacity), ttl_(ttl) {}

void TicketBook::drop_expired_locked(std::int64_t now_ms) {
    std::erase_if(tickets_, [now_ms](const auto& item) { return item.second.expires_at_ms <= now_ms; });
}

Outcome<TicketBook::Minted> TicketBook::mint(const Principal& principal, std::vector<std::string> streams,
                                             std::int64_t now_ms) {
    unsigned char random[32];
    if (RAND_bytes(random, sizeof random) != 1) return make_error(errc::internal, "no randomness for a ticket");
    Minted minted{"tk_" + base64url_encode(std::string_view(reinterpret_cast<const char*>(random), sizeof random)),
                  now_ms + ttl_.count()};
    // A ticket never outlives the credential it was minted with.
    if (principal.expires_at_ms != 0) minted.expires_at_ms = std::min(minted.expires_at_ms, principal.expires_at_ms);
    std::lock_guard lock(mutex_);
    if (tickets_.size() >= capacity_) drop_expired_locked(now_ms);
    if (tickets_.size() >= capacity_) return make_error(errc::unavailable, "too many unused tickets; try again shortly");
    tickets_.emplace(sha256_hex(minted.ticket), Entry{principal, std::move(streams), minted.expires_at_ms});
    return minted;
}

Outcome<Principal> TicketBook::redeem(std::string_view ticket, const std::string& stream, std::int64_t now_ms) {
    std::lock_guard lock(mutex_);
    auto it = tickets_.find(sha256_hex(ticket));
    if (it == tickets_.end()) return make_error(errc::unauthenticated, "the ticket is unknown or already used");
    Entry entry = std::move(it->second);
    tickets_.erase(it);
    if (entry.expires_at_ms <= now_ms) return make_error(errc::unauthenticated, "the ticket has expired");
    if (std::find(entry.streams.begin(), entry.streams.end(), stream) == entry.streams.end())
        return make_error(errc::unauthenticated, "the ticket is for another stream");
    return std::move(entry.principal);
}

} // namespace taskstream
