// Fuzz target: credentials. The first byte picks: (0) any bytes as a token;
// (1) any claims in a correctly signed HS256 token; (2) any JWKS document;
// (3) any ticket against a book holding a real one. Nothing may throw (a JWKS
// may only raise KeyError); a forged token is never accepted; only the real
// ticket redeems, once; a try for another stream uses it up.
#include <cstdint>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "auth/ticket_book.hpp"
#include "store/memory_tickets.hpp"
#include "auth/token_verifier.hpp"
#include "auth/verification_keys.hpp"
#include "core/digest.hpp"

using namespace taskstream;

namespace {

const std::string kSecret(40, 's');
constexpr std::int64_t kNow = 1900000000;

const TokenVerifier& verifier() {
    static const TokenVerifier* v = new TokenVerifier({hs256_key(kSecret)}, TokenRules{});
    return *v;
}

std::string signed_token(std::string_view claims) {
    const std::string input = base64url_encode(R"({"alg":"HS256","typ":"JWT"})") + "." + base64url_encode(claims);
    const std::string hex = hmac_sha256_hex(kSecret, input);
    std::string mac;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) mac.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    return input + "." + base64url_encode(mac);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* raw, std::size_t size) {
    if (size < 1) return 0;
    const std::string input(reinterpret_cast<const char*>(raw + 1), size - 1);
    switch (raw[0] % 4) {
    case 0:
        // Made without the key: never valid (a fuzzer cannot compute the HMAC; alg none, HS/RS swaps and the rest are refused).
        if (verifier().verify(input, kNow)) std::abort();
        break;
    case 1: {
        auto principal = verifier().verify(signed_token(input), kNow);
        if (principal) {
            // Accepted claims are an object with a subject and an expiry in the future.
            const auto claims = nlohmann::json::parse(input, nullptr, false);
            if (claims.is_discarded() || !claims.is_object() || !claims.contains("sub") || !claims.contains("exp")) std::abort();
        }
        break;
    }
    case 2:
        try {
            (void)jwks_keys(input);
        } catch (const KeyError&) {
        }
        break;
    case 3: {
        MemoryTickets kept(16);
        TicketBook book(kept, std::chrono::seconds(60));
        Principal alice;
        alice.subject = "alice";
        auto minted = book.mint(alice, {"/v1/tasks/T/events"}, kNow * 1000);
        if (!minted) std::abort();
        const bool real = input == minted->ticket;
        if (static_cast<bool>(book.redeem(input, "/v1/tasks/T/events", kNow * 1000)) != real) std::abort();
        if (!real && book.redeem(minted->ticket, "/v1/tasks/OTHER/events", kNow * 1000)) std::abort();
        if (book.redeem(minted->ticket, "/v1/tasks/T/events", kNow * 1000)) std::abort();  // used up either way
        break;
    }
    }
    return 0;
}
