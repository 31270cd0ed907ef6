#include "auth/verification_keys.hpp"

#include <memory>

#include <nlohmann/json.hpp>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "core/digest.hpp"

namespace taskstream {
namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
    void operator()(T* p) const { Free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using Bignum = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using ParamBuild = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using Params = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM, OSSL_PARAM_free>>;
using PkeyContext = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;

std::string to_pem(EVP_PKEY* key) {
    Bio bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PUBKEY(bio.get(), key) != 1) throw KeyError("cannot encode a public key");
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

/// The algorithm a PEM public key verifies: by its type, never by a token.
std::string algorithm_of(EVP_PKEY* key) {
    if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA) {
        if (EVP_PKEY_get_bits(key) < 2048) throw KeyError("an RSA key needs at least 2048 bits");
        return "RS256";
    }
    if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC) {
        char group[64] = {};
        std::size_t len = 0;
        if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) == 1 &&
            std::string(group) == "prime256v1")
            return "ES256";
        throw KeyError("an EC key must be on P-256 (ES256)");
    }
    throw KeyError("the public key is neither RSA nor EC P-256");
}

std::string b64_member(const nlohmann::json& jwk, const char* name) {
    auto it = jwk.find(name);
    if (it == jwk.end() || !it->is_string()) throw KeyError(std::string("a JWK lacks its '") + name + "'");
    auto bytes = base64url_decode(it->get<std::string>());
    if (!bytes || bytes->empty()) throw KeyError(std::string("a JWK's '") + name + "' is not base64url");
    return *bytes;
}

Pkey key_from_params(const char* type, OSSL_PARAM_BLD* build) {
    Params params(OSSL_PARAM_BLD_to_param(build));
    PkeyContext ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    EVP_PKEY* key = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
        throw KeyError(std::string("a JWK does not make a valid ") + type + " key");
    return Pkey(key);
}

Pkey rsa_from_jwk(const nlohmann::json& jwk) {
    const auto n = b64_member(jwk, "n"), e = b64_member(jwk, "e");
    Bignum bn_n(BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()), static_cast<int>(n.size()), nullptr));
    Bignum bn_e(BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()), static_cast<int>(e.size()), nullptr));
    ParamBuild build(OSSL_PARAM_BLD_new());
    if (!bn_n || !bn_e || !build || OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1)
        throw KeyError("a JWK does not make a valid RSA key");
    return key_from_params("RSA", build.get());
}

Pkey ec_from_jwk(const nlohmann::json& jwk) {
    if (jwk.value("crv", "") != "P-256") throw KeyError("an EC JWK must be on P-256");
    const auto x = b64_member(jwk, "x"), y = b64_member(jwk, "y");
    if (x.size() != 32 || y.size() != 32) throw KeyError("a P-256 JWK has 32-byte x and y");
    const std::string point = "\x04" + x + y;  // uncompressed
    ParamBuild build(OSSL_PARAM_BLD_new());
    if (!build || OSSL_PARAM_BLD_push_utf8_string(build.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(build.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1)
        throw KeyError("a JWK does not make a valid EC key");
    return key_from_params("EC", build.get());
}

} // namespace

VerificationKey hs256_key(std::string secret) {
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
    if (secret.size() < 32) throw KeyError("an HS256 secret needs at least 32 bytes");
    return VerificationKey{"", "HS256", std::move(secret)};
}

VerificationKey pem_key(const std::string& pem) {
    Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    Pkey key(bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!key) throw KeyError("not a PEM public key (BEGIN PUBLIC KEY)");
    return VerificationKey{"", algorithm_of(key.get()), to_pem(key.get())};
}

std::vector<VerificationKey> jwks_keys(const std::string& text) {
    auto doc = nlohmann::json::parse(text, nullptr, false);
    if (!doc.is_object() || !doc.contains("keys") || !doc["keys"].is_array())
        throw KeyError("a JWKS file is a JSON object with a \"keys\" list");
    std::vector<VerificationKey> out;
    for (const auto& jwk : doc["keys"]) {
        if (!jwk.is_object()) throw KeyError("every JWKS entry is an object");
        if (jwk.value("use", "sig") != "sig") continue;  // encryption keys verify nothing
        const auto kty = jwk.value("kty", "");
        Pkey key;
        if (kty == "RSA") key = rsa_from_jwk(jwk);
        else if (kty == "EC") key = ec_from_jwk(jwk);
        else throw KeyError("JWKS key type '" + kty + "' is not supported (RSA or EC P-256)");
        VerificationKey k{jwk.value("kid", ""), algorithm_of(key.get()), to_pem(key.get())};
        if (jwk.contains("alg") && jwk["alg"] != k.alg) throw KeyError("a JWK's alg does not match its key type");
        out.push_back(std::move(k));
    }
    if (out.empty()) throw KeyError("the JWKS file has no signing key");
    return out;
}

} // namespace taskstream
