#include "store/redis/redis_url.hpp"

#include <charconv>

#include <boost/url/parse.hpp>

namespace taskstream {

std::string RedisEndpoint::redacted() const {
    std::string out = tls ? "rediss://" : "redis://";
    if (!user.empty() || !password.empty()) out += user + (password.empty() ? "" : ":***") + "@";
    out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
    out += ":" + std::to_string(port) + "/" + std::to_string(db);
    return out;
}

Outcome<RedisEndpoint> parse_redis_url(std::string_view text) {
    auto bad = [](std::string why) { return make_error(errc::bad_request, "--store: " + why); };
    auto url = boost::urls::parse_absolute_uri(text);
    if (!url) return bad("not a URL (expected redis://[user:password@]host:port/db)");
    if (url->scheme() != "redis" && url->scheme() != "rediss") return bad("the scheme must be redis:// or rediss:// (TLS)");
    if (!url->has_authority() || url->encoded_host().empty()) return bad("a host is required");
    if (url->has_query() || url->has_fragment()) return bad("a query or fragment is not allowed");

    RedisEndpoint ep;
    ep.tls = url->scheme() == "rediss";
    ep.host = url->host_address();
    if (url->has_port()) {
        auto port = url->port();
        int value = 0;
        auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (ec != std::errc{} || end != port.data() + port.size() || value < 1 || value > 65535)
            return bad("the port must be 1 to 65535");
        ep.port = static_cast<std::uint16_t>(value);
    }
    if (url->has_userinfo()) {
        ep.user = url->user();
        ep.password = url->password();
    }
    std::string path = url->path();
    if (!path.empty() && path != "/") {
        std::string_view db(path);
        db.remove_prefix(1);
        auto [end, ec] = std::from_chars(db.data(), db.data() + db.size(), ep.db);
        if (ec != std::errc{} || end != db.data() + db.size() || ep.db < 0)
            return bad("the path must be a database number");
    }
    return ep;
}

} // namespace taskstream
