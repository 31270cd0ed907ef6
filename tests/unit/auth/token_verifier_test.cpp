#include <catch2/catch.hpp>

#include "auth/token_verifier.hpp"
#include "core/digest.hpp"

using namespace taskstream;

namespace {

const std::string kSecret(40, 'k');

/// An HS256 token made here, with the HMAC of core/digest (not the library under test).
std::string hs256(const nlohmann::json& header, const nlohmann::json& claims, const std::string& secret = kSecret) {
    const auto input = base64url_encode(header.dump()) + "." + base64url_encode(claims.dump());
    std::string mac;
    const auto hex = hmac_sha256_hex(secret, input);
    for (std::size_t i = 0; i < hex.size(); i += 2) mac += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
    return input + "." + base64url_encode(mac);
}

const nlohmann::json kHeader{{"alg", "HS256"}, {"typ", "JWT"}};
constexpr std::int64_t kNow = 1'900'000'000;

} // namespace

TEST_CASE("TokenVerifier: a valid HS256 token gives its principal") {
    TokenVerifier v({hs256_key(kSecret)}, TokenRules{.issuer = "iss", .audience = "aud"});
    auto p = v.verify(hs256(kHeader, {{"sub", "alice"}, {"exp", kNow + 60}, {"iss", "iss"}, {"aud", {"x", "aud"}},
                                      {"taskstream", {{"publish", {"orders/*"}}}}}),
                      kNow);
    REQUIRE(p);
    CHECK(p->subject == "alice");
    CHECK(p->may_publish("orders/1"));
}

TEST_CASE("TokenVerifier: refuses what an attacker would try") {
    TokenVerifier v({hs256_key(kSecret)}, TokenRules{.issuer = "iss", .audience = "aud", .leeway = std::chrono::seconds(5)});
    const nlohmann::json good{{"sub", "a"}, {"exp", kNow + 60}, {"iss", "iss"}, {"aud", "aud"}};
    auto refused = [&](const std::string& token, const std::string& reason) {
        auto p = v.verify(token, kNow);
        REQUIRE_FALSE(p);
        CHECK(p.error().code == errc::unauthenticated);
        CHECK_THAT(p.error().detail, Catch::Contains(reason));
    };
    refused(hs256(kHeader, good, std::string(40, 'x')), "signature");
    refused(base64url_encode(R"({"alg":"none"})") + "." + base64url_encode(good.dump()) + ".", "algorithm");
    refused(hs256({{"alg", "RS256"}}, good), "algorithm");
    auto claims = good;
    claims["exp"] = kNow - 6;
    refused(hs256(kHeader, claims), "expired");
    claims["exp"] = kNow - 4;  // within the leeway
    CHECK(v.verify(hs256(kHeader, claims), kNow));
    claims = good;
    claims["nbf"] = kNow + 60;
    refused(hs256(kHeader, claims), "not valid yet");
    claims = good;
    claims["aud"] = "other";
    refused(hs256(kHeader, claims), "audience");
    claims = good;
    claims.erase("iss");
    refused(hs256(kHeader, claims), "issuer");
    claims = good;
    claims.erase("exp");
    refused(hs256(kHeader, claims), "exp");
    // Time claims past what an integer holds never reach the JWT library (found by fuzz_token).
    claims = good;
    claims["exp"] = 1.45e23;
    refused(hs256(kHeader, claims), "exp claim is not a time");
    claims = good;
    claims["iat"] = -1.5;
    refused(hs256(kHeader, claims), "iat claim is not a time");
    claims = good;
    claims["nbf"] = "soon";
    refused(hs256(kHeader, claims), "nbf claim is not a time");
    refused("not-a-token", "malformed");
    refused("a.b.c", "malformed");
    refused(hs256({{"alg", "HS256"}, {"typ", 7}}, good), "");
}

TEST_CASE("verification keys: short secrets and unknown key files are configuration errors") {
    CHECK_THROWS_AS(hs256_key("short"), KeyError);
    CHECK_THROWS_AS(pem_key("not a key"), KeyError);
    CHECK_THROWS_AS(jwks_keys(R"({"keys": []})"), KeyError);
    CHECK_THROWS_AS(jwks_keys(R"({"keys": [{"kty": "oct", "k": "abc"}]})"), KeyError);
    CHECK_THROWS_AS(jwks_keys("[]"), KeyError);
}

TEST_CASE("TokenVerifier: a byte outside base64url is refused before the JWT library reads it (found by fuzz_token)") {
    TokenVerifier v({hs256_key(kSecret)}, TokenRules{});
    const std::string good = hs256(kHeader, {{"sub", "a"}, {"exp", kNow + 60}});
    REQUIRE(v.verify(good, kNow));
    const auto first_dot = good.find('.');
    for (const std::size_t at : {first_dot + 3, good.rfind('.') + 2}) {
        for (const char bad : {'\xd7', '\x80', '\xff', '=', '+', '/', ' '}) {
            std::string token = good;
            token.insert(at, 1, bad);
            auto p = v.verify(token, kNow);
            REQUIRE_FALSE(p);
            CHECK(p.error().detail == "the token is malformed");
        }
    }
    CHECK_FALSE(v.verify(good + ".x", kNow));  // four parts
}
