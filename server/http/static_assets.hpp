// The dashboard's files, embedded in the binary at build time
// (cmake/embed_assets.cmake writes their definition): nothing to deploy beside it.
#pragma once

#include <span>
#include <string_view>

namespace taskstream::http {

struct StaticAsset {
    std::string_view path;          // the URL path it is served at, e.g. "/app.js"
    std::string_view content_type;
    std::string_view body;
    std::string_view etag;          // a strong validator: a digest of the body, quoted
};

/// Every embedded file; "/index.html" is also served at "/".
std::span<const StaticAsset> dashboard_assets();

} // namespace taskstream::http
