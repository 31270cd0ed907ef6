// VerificationKeys: the keys tokens are checked against, read once at start
// from an HS256 secret, a PEM public key (RS256 or ES256 by its type) or a JWKS
// file. Each key pins its algorithm: a token is only ever checked with the
// algorithm of the key it names, never with the one its header asks for.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace taskstream {

struct VerificationKey {
    std::string kid;       // empty: matches a token without a kid
    std::string alg;       // HS256, RS256 or ES256
    std::string material;  // the secret (HS256) or a PEM public key
};

/// A configuration mistake (an unreadable file, a key of an unsupported type).
struct KeyError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// HS256 with `secret` (at least 32 bytes, as RFC 7518 asks of HS256 keys).
VerificationKey hs256_key(std::string secret);
/// RS256 for an RSA key, ES256 for a P-256 key; others are refused.
VerificationKey pem_key(const std::string& pem);
/// Every RSA and P-256 key of a JWKS document ({"keys": [...]}) that may verify signatures.
std::vector<VerificationKey> jwks_keys(const std::string& json);

} // namespace taskstream
