#include "http/stream_target.hpp"

#include <algorithm>
#include <vector>

#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include "core/text.hpp"
#include "http/request_parsing.hpp"

namespace taskstream::http {

namespace {

/// Kept as they are: what no query or path parser reads as a delimiter. The rest
/// is percent-encoded, so that a decoded value holding "&topic=" (a topic may)
/// or a path holding "?" stays one value: the form names one stream only.
constexpr auto kVerbatim = boost::urls::unreserved_chars + "/*:@";

std::string encoded(std::string_view text) { return boost::urls::encode(text, kVerbatim); }

} // namespace

std::string canonical_stream(std::string_view path, std::string_view raw_query) {
    std::vector<std::string> parts;
    for (const char* key : {"kind", "topic"})
        for (auto& value : query_values(raw_query, key)) parts.push_back(std::string(key) + "=" + encoded(value));
    std::sort(parts.begin(), parts.end());
    std::string out = encoded(path);
    for (std::size_t i = 0; i < parts.size(); ++i) {
        out += i == 0 ? '?' : '&';
        out += parts[i];
    }
    return out;
}

std::optional<TargetParts> split_target(std::string_view target) {
    auto parsed = boost::urls::parse_origin_form(target);
    if (!parsed) return std::nullopt;
    TargetParts parts{parsed->path(), std::string(parsed->encoded_query())};
    if (!valid_utf8(parts.path)) return std::nullopt;
    return parts;
}

} // namespace taskstream::http
