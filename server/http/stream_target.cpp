#include "http/stream_target.hpp"

#include <algorithm>
#include <vector>

#include <boost/url/parse.hpp>

#include "core/text.hpp"
#include "http/request_parsing.hpp"

namespace taskstream::http {

std::string canonical_stream(std::string_view path, std::string_view raw_query) {
    std::vector<std::string> parts;
    for (const char* key : {"kind", "topic"})
        for (auto& value : query_values(raw_query, key)) parts.push_back(std::string(key) + "=" + value);
    std::sort(parts.begin(), parts.end());
    std::string out(path);
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
