// The token verifier the options describe: none when no key is configured
// (authentication is off), else the one key source given. Secrets come from
// files or TASKSTREAM_JWT_SECRET only and are never logged.
#pragma once

#include <memory>

#include "app/options.hpp"
#include "auth/token_verifier.hpp"

namespace taskstream {

/// Null when authentication is off; throws KeyError naming the mistake.
std::shared_ptr<const TokenVerifier> load_token_verifier(const ServerOptions& options);

} // namespace taskstream
