// TokenVerifier: checks a JWT (cpp-jwt) against the configured keys and turns
// its claims into a Principal. The algorithm is the key's, never the header's
// choice (no alg=none, no RS256 token checked as HS256 with the public key as
// its secret); exp is required, nbf honoured, both with a small leeway; iss and
// aud when configured.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/principal.hpp"
#include "auth/verification_keys.hpp"

namespace taskstream {

struct TokenRules {
    std::optional<std::string> issuer;    // iss must equal it
    std::optional<std::string> audience;  // aud (a string or a list) must hold it
    std::chrono::seconds leeway{30};      // clock skew allowed on exp and nbf
};

class TokenVerifier {
public:
    TokenVerifier(std::vector<VerificationKey> keys, TokenRules rules);

    /// The principal of a valid token at `now_s` (seconds since the epoch), or
    /// errc::unauthenticated with the reason (said to the client in WWW-Authenticate).
    Outcome<Principal> verify(std::string_view token, std::int64_t now_s) const;

private:
    const VerificationKey* key_for(const nlohmann::json& header) const;

    std::vector<VerificationKey> keys_;
    TokenRules rules_;
};

} // namespace taskstream
