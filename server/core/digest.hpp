// Digests and encodings: SHA-256 (hex), HMAC-SHA256 (hex) and base64url without padding.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace taskstream {

std::string sha256_hex(std::string_view data);
/// SHA-1 (hex): what Redis names a script by (EVALSHA), not for security.
std::string sha1_hex(std::string_view data);
/// HMAC-SHA256 of `body` under `secret`, as lower-case hex (webhook signatures).
std::string hmac_sha256_hex(const std::string& secret, const std::string& body);
std::string base64url_encode(std::string_view data);
/// nullopt on characters outside the base64url alphabet or a bad length.
std::optional<std::string> base64url_decode(std::string_view text);

} // namespace taskstream
