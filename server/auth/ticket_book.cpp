#include "auth/ticket_book.hpp"

#include <algorithm>

#include <openssl/rand.h>

#include "core/digest.hpp"
#include "store/store.hpp"

namespace taskstream {

namespace {

/// A shared ticket's value: what redeem() needs to hand back and check.
std::string ticket_json(const Principal& p, const std::vector<std::string>& streams, std::int64_t expires_at_ms) {
    return nlohmann::json{{"subject", p.subject},     {"subscribe", p.subscribe},
                          {"publish", p.publish},     {"create", p.create},
                          {"control", p.control},     {"admin", p.admin},
                          {"principal_expires", p.expires_at_ms}, {"streams", streams},
                          {"expires", expires_at_ms}}
        .dump();
}

} // namespace

Outcome<TicketBook::Minted> TicketBook::mint(const Principal& principal, std::vector<std::string> streams,
                                             std::int64_t now_ms) {
    unsigned char random[32];
    if (RAND_bytes(random, sizeof random) != 1) return make_error(errc::internal, "no randomness for a ticket");
    Minted minted{"tk_" + base64url_encode(std::string_view(reinterpret_cast<const char*>(random), sizeof random)),
                  now_ms + ttl_.count()};
    // A ticket never outlives the credential it was minted with.
    if (principal.expires_at_ms != 0) minted.expires_at_ms = std::min(minted.expires_at_ms, principal.expires_at_ms);
    try {
        if (!kept_.put(sha256_hex(minted.ticket), ticket_json(principal, streams, minted.expires_at_ms),
                       minted.expires_at_ms, now_ms))
            return make_error(errc::unavailable, "too many unused tickets; try again shortly");
    } catch (const StoreError&) {
        return make_error(errc::unavailable, "the ticket could not be stored; try again");
    }
    return minted;
}

Outcome<Principal> TicketBook::redeem(std::string_view ticket, const std::string& stream, std::int64_t now_ms) {
    std::optional<std::string> stored;
    try {
        stored = kept_.take(sha256_hex(ticket));
    } catch (const StoreError&) {
        return make_error(errc::unavailable, "the ticket could not be checked; try again");
    }
    if (!stored) return make_error(errc::unauthenticated, "the ticket is unknown or already used");
    auto j = nlohmann::json::parse(*stored);
    if (j.at("expires").get<std::int64_t>() <= now_ms) return make_error(errc::unauthenticated, "the ticket has expired");
    const auto streams = j.at("streams").get<std::vector<std::string>>();
    if (std::find(streams.begin(), streams.end(), stream) == streams.end())
        return make_error(errc::unauthenticated, "the ticket is for another stream");
    return Principal{.subject = j.at("subject"),
                     .subscribe = j.at("subscribe"),
                     .publish = j.at("publish"),
                     .create = j.at("create"),
                     .control = j.at("control"),
                     .admin = j.at("admin"),
                     .expires_at_ms = j.at("principal_expires")};
}

} // namespace taskstream
