#include "store/redis/redis_url.hpp"

#include <charconv>

#include <boost/url/pct_string_view.hpp>
#include <boost/url/parse.hpp>

namespace taskstream {

namespace {

std::string host_text(const std::string& host, std::uint16_t port) {
    return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::optional<std::uint16_t> port_of(std::string_view text) {
    int value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || value < 1 || value > 65535) return std::nullopt;
    return static_cast<std::uint16_t>(value);
}

std::optional<int> db_of(std::string_view text) {
    int db = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), db);
    if (ec != std::errc{} || end != text.data() + text.size() || db < 0) return std::nullopt;
    return db;
}

std::optional<std::string> decoded(std::string_view text) {
    auto pct = boost::urls::make_pct_string_view(text);
    if (!pct) return std::nullopt;
    std::string out;
    for (char c : pct->decode()) out += c;  // decode() is a view: copied out char by char
    return out;
}

Outcome<RedisEndpoint> bad(std::string why) { return make_error(errc::bad_request, "--store: " + why); }

/// redis+sentinel://[user:password@]host[:port][,host[:port]…]/PRIMARY[/db]: not one authority,
/// so taken apart by hand.
Outcome<RedisEndpoint> parse_sentinel_url(std::string_view text, bool tls) {
    RedisEndpoint ep;
    ep.tls = tls;
    text.remove_prefix(text.find("://") + 3);
    if (text.find_first_of("?#") != std::string_view::npos) return bad("a query or fragment is not allowed");
    const auto slash = text.find('/');
    if (slash == std::string_view::npos) return bad("a sentinel URL names the primary: …/PRIMARY[/db]");
    std::string_view authority = text.substr(0, slash), path = text.substr(slash + 1);
    if (auto at = authority.rfind('@'); at != std::string_view::npos) {
        const auto userinfo = authority.substr(0, at);
        const auto colon = userinfo.find(':');
        auto user = decoded(userinfo.substr(0, colon));
        auto password = colon == std::string_view::npos ? std::optional<std::string>("") : decoded(userinfo.substr(colon + 1));
        if (!user || !password) return bad("the user and password must be percent-encoded");
        ep.user = std::move(*user);
        ep.password = std::move(*password);
        authority.remove_prefix(at + 1);
    }
    while (!authority.empty()) {
        const auto comma = authority.find(',');
        std::string_view one = authority.substr(0, comma);
        authority = comma == std::string_view::npos ? std::string_view() : authority.substr(comma + 1);
        RedisHost h{std::string(one), 26379};
        std::string_view port_text;
        if (one.starts_with('[')) {  // [v6 address]:port
            const auto close = one.find(']');
            if (close == std::string_view::npos) return bad("a sentinel's [address] is not closed");
            h.host = std::string(one.substr(1, close - 1));
            if (close + 1 < one.size()) {
                if (one[close + 1] != ':') return bad("a sentinel is host:port");
                port_text = one.substr(close + 2);
            }
        } else if (const auto colon = one.rfind(':'); colon != std::string_view::npos) {
            h.host = std::string(one.substr(0, colon));
            port_text = one.substr(colon + 1);
        }
        if (!port_text.empty() || (one.ends_with(':'))) {
            auto port = port_of(port_text);
            if (!port) return bad("a sentinel's port must be 1 to 65535");
            h.port = *port;
        }
        if (h.host.empty()) return bad("a sentinel needs a host");
        ep.sentinels.push_back(std::move(h));
    }
    if (ep.sentinels.empty()) return bad("a sentinel URL lists at least one sentinel");
    const auto db_slash = path.find('/');
    ep.primary_name = std::string(path.substr(0, db_slash));
    if (ep.primary_name.empty()) return bad("a sentinel URL names the primary: …/PRIMARY[/db]");
    if (db_slash != std::string_view::npos) {
        auto db = db_of(path.substr(db_slash + 1));
        if (!db) return bad("the path after the primary's name must be a database number");
        ep.db = *db;
    }
    ep.host = ep.sentinels.front().host;  // until the sentinels name the primary
    ep.port = ep.sentinels.front().port;
    return ep;
}

} // namespace

std::string RedisEndpoint::redacted() const {
    std::string out = sentinels.empty() ? (tls ? "rediss://" : "redis://") : (tls ? "rediss+sentinel://" : "redis+sentinel://");
    if (!user.empty() || !password.empty()) out += user + (password.empty() ? "" : ":***") + "@";
    if (sentinels.empty()) return out + host_text(host, port) + "/" + std::to_string(db);
    for (std::size_t i = 0; i < sentinels.size(); ++i) out += (i ? "," : "") + host_text(sentinels[i].host, sentinels[i].port);
    return out + "/" + primary_name + "/" + std::to_string(db);
}

Outcome<RedisEndpoint> parse_redis_url(std::string_view text) {
    if (text.starts_with("redis+sentinel://")) return parse_sentinel_url(text, false);
    if (text.starts_with("rediss+sentinel://")) return parse_sentinel_url(text, true);
    auto url = boost::urls::parse_absolute_uri(text);
    if (!url) return bad("not a URL (expected redis://[user:password@]host:port/db)");
    if (url->scheme() != "redis" && url->scheme() != "rediss")
        return bad("the scheme must be redis://, rediss:// (TLS), redis+sentinel:// or rediss+sentinel://");
    if (!url->has_authority() || url->encoded_host().empty()) return bad("a host is required");
    if (url->has_query() || url->has_fragment()) return bad("a query or fragment is not allowed");

    RedisEndpoint ep;
    ep.tls = url->scheme() == "rediss";
    ep.host = url->host_address();
    if (url->has_port()) {
        auto port = port_of(url->port());
        if (!port) return bad("the port must be 1 to 65535");
        ep.port = *port;
    }
    if (url->has_userinfo()) {
        ep.user = url->user();
        ep.password = url->password();
    }
    std::string path = url->path();
    if (!path.empty() && path != "/") {
        auto db = db_of(std::string_view(path).substr(1));
        if (!db) return bad("the path must be a database number");
        ep.db = *db;
    }
    return ep;
}

} // namespace taskstream
