#include "app/auth_setup.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace taskstream {
namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw KeyError("cannot read " + path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

} // namespace

std::shared_ptr<const TokenVerifier> load_token_verifier(const ServerOptions& options) {
    const char* secret_env = std::getenv("TASKSTREAM_JWT_SECRET");
    const int sources = !options.jwt_secret_file.empty() + !options.jwt_public_key_file.empty() +
                        !options.jwks_file.empty() + (secret_env && *secret_env && options.jwt_secret_file.empty());
    if (sources == 0) return nullptr;
    if (sources > 1)
        throw KeyError("give one key source: --jwt-secret-file (or TASKSTREAM_JWT_SECRET), --jwt-public-key-file or --jwks-file");
    std::vector<VerificationKey> keys;
    try {
        if (!options.jwt_secret_file.empty()) keys.push_back(hs256_key(read_file(options.jwt_secret_file)));
        else if (!options.jwt_public_key_file.empty()) keys.push_back(pem_key(read_file(options.jwt_public_key_file)));
        else if (!options.jwks_file.empty()) keys = jwks_keys(read_file(options.jwks_file));
        else keys.push_back(hs256_key(secret_env));
    } catch (const KeyError&) {
        throw;
    } catch (const std::exception& e) {
        throw KeyError(std::string("the key file is malformed: ") + e.what());
    }
    TokenRules rules;
    if (!options.jwt_issuer.empty()) rules.issuer = options.jwt_issuer;
    if (!options.jwt_audience.empty()) rules.audience = options.jwt_audience;
    rules.leeway = std::chrono::duration_cast<std::chrono::seconds>(options.jwt_leeway);
    return std::make_shared<const TokenVerifier>(std::move(keys), std::move(rules));
}

} // namespace taskstream
