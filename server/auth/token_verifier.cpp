#include "auth/token_verifier.hpp"

#include <jwt/jwt.hpp>

#include "core/digest.hpp"

namespace taskstream {
namespace {

/// JWS compact parts are unpadded base64url (RFC 7515 section 2); an empty signature is left to the algorithm check.
bool is_base64url(std::string_view part) {
    for (const char c : part)
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return false;
    return true;
}


Error refused(std::string why) { return make_error(errc::unauthenticated, std::move(why)); }

/// The reason a cpp-jwt error code gives, in the words a client is told.
std::string reason_of(const std::error_code& ec) {
    if (ec == jwt::VerificationErrc::TokenExpired) return "the token has expired";
    if (ec == jwt::VerificationErrc::ImmatureSignature) return "the token is not valid yet (nbf)";
    if (ec == jwt::VerificationErrc::InvalidIssuer) return "the token's issuer is not accepted";
    if (ec == jwt::VerificationErrc::InvalidAudience) return "the token is not for this audience";
    if (ec == jwt::VerificationErrc::InvalidAlgorithm) return "the token's algorithm is not the key's";
    if (ec == jwt::VerificationErrc::InvalidSignature || ec == jwt::AlgorithmErrc::VerificationErr)
        return "the token's signature does not verify";
    return "the token is malformed";
}

bool audience_holds(const nlohmann::json& aud, const std::string& wanted) {
    if (aud.is_string()) return aud == wanted;
    if (aud.is_array())
        for (const auto& a : aud)
            if (a.is_string() && a == wanted) return true;
    return false;
}

} // namespace

TokenVerifier::TokenVerifier(std::vector<VerificationKey> keys, TokenRules rules)
    : keys_(std::move(keys)), rules_(std::move(rules)) {}

const VerificationKey* TokenVerifier::key_for(const nlohmann::json& header) const {
    const auto alg = header.find("alg");
    if (alg == header.end() || !alg->is_string()) return nullptr;
    const auto kid = header.find("kid");
    if (kid != header.end() && !kid->is_string()) return nullptr;
    const VerificationKey* only_alg = nullptr;
    std::size_t same_alg = 0;
    for (const auto& k : keys_) {
        if (k.alg != alg->get_ref<const std::string&>()) continue;
        if (kid != header.end() && k.kid == kid->get_ref<const std::string&>()) return &k;
        ++same_alg;
        only_alg = &k;
    }
    // Without a matching kid, only an unambiguous key: one of the token's algorithm.
    return same_alg == 1 && (kid == header.end() || only_alg->kid.empty()) ? only_alg : nullptr;
}

Outcome<Principal> TokenVerifier::verify(std::string_view token, std::int64_t now_s) const {
    if (token.empty() || token.size() > 8192) return refused("the token is missing or too long");
    const auto dot = token.find('.');
    const auto second_dot = dot == std::string_view::npos ? dot : token.find('.', dot + 1);
    if (second_dot == std::string_view::npos || token.find('.', second_dot + 1) != std::string_view::npos)
        return refused("the token is malformed");
    // Only the base64url alphabet reaches cpp-jwt: its decoder indexes a table with
    // each char, and a byte of 0x80 or more read before that table (found by fuzz_token).
    if (!is_base64url(token.substr(0, dot)) || !is_base64url(token.substr(dot + 1, second_dot - dot - 1)) ||
        !is_base64url(token.substr(second_dot + 1)))
        return refused("the token is malformed");
    auto header_text = base64url_decode(token.substr(0, dot));
    if (!header_text) return refused("the token is malformed");
    const auto header = nlohmann::json::parse(*header_text, nullptr, false);
    if (!header.is_object()) return refused("the token is malformed");
    const VerificationKey* key = key_for(header);
    if (!key) return refused("the token's algorithm or key id is not one this server accepts");

    // cpp-jwt turns the time claims into integers: one past their range would be
    // undefined behaviour there (found by fuzz_token), so it never gets one.
    auto payload_text = base64url_decode(token.substr(dot + 1, second_dot - dot - 1));
    if (!payload_text) return refused("the token is malformed");
    const auto payload = nlohmann::json::parse(*payload_text, nullptr, false);
    if (!payload.is_object()) return refused("the token is malformed");
    for (const char* name : {"exp", "nbf", "iat"})
        if (auto t = payload.find(name); t != payload.end() && !is_time_in_range(*t))
            return refused(std::string("the token's ") + name + " claim is not a time between 1970 and 9999");

    nlohmann::json claims;
    try {
        std::error_code ec;
        auto decoded = jwt::decode(jwt::string_view(token.data(), token.size()), jwt::params::algorithms({key->alg}), ec,
                                   jwt::params::secret(key->material), jwt::params::verify(true),
                                   jwt::params::leeway(static_cast<std::uint32_t>(rules_.leeway.count())));
        if (ec) return refused(reason_of(ec));
        claims = decoded.payload().create_json_obj();
    } catch (const std::exception&) {
        return refused("the token is malformed");
    }
    if (!claims.is_object()) return refused("the token is malformed");
    // Our own checks of time and audience, whatever the library did: exp is required.
    const auto leeway = rules_.leeway.count();
    auto exp = claims.find("exp");
    if (exp == claims.end() || !exp->is_number()) return refused("the token needs an exp claim");
    if (exp->get<double>() + static_cast<double>(leeway) <= static_cast<double>(now_s)) return refused("the token has expired");
    if (auto nbf = claims.find("nbf"); nbf != claims.end()) {
        if (!nbf->is_number()) return refused("the token is malformed");
        if (nbf->get<double>() - static_cast<double>(leeway) > static_cast<double>(now_s))
            return refused("the token is not valid yet (nbf)");
    }
    if (rules_.issuer && claims.value("iss", nlohmann::json()) != *rules_.issuer)
        return refused("the token's issuer is not accepted");
    if (rules_.audience && !audience_holds(claims.value("aud", nlohmann::json()), *rules_.audience))
        return refused("the token is not for this audience");
    return principal_from_claims(claims);
}

} // namespace taskstream
