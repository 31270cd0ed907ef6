#include "webhooks/destination_policy.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

#include <boost/url/parse.hpp>

namespace taskstream {

namespace ip = boost::asio::ip;

namespace {

struct V4Range {
    std::uint32_t network;
    int bits;
};

constexpr std::uint32_t v4(unsigned a, unsigned b, unsigned c, unsigned d) { return a << 24 | b << 16 | c << 8 | d; }

// Not the public Internet (IANA special-purpose registry, the ones a callback must never reach).
constexpr std::array<V4Range, 16> kInternalV4{{
    {v4(0, 0, 0, 0), 8},        // "this network"
    {v4(10, 0, 0, 0), 8},       // private
    {v4(100, 64, 0, 0), 10},    // carrier-grade NAT
    {v4(127, 0, 0, 0), 8},      // loopback
    {v4(169, 254, 0, 0), 16},   // link-local (cloud metadata lives here)
    {v4(172, 16, 0, 0), 12},    // private
    {v4(192, 0, 0, 0), 24},     // IETF protocol assignments
    {v4(192, 0, 2, 0), 24},     // documentation
    {v4(192, 88, 99, 0), 24},   // 6to4 relay
    {v4(192, 168, 0, 0), 16},   // private
    {v4(198, 18, 0, 0), 15},    // benchmarking
    {v4(198, 51, 100, 0), 24},  // documentation
    {v4(203, 0, 113, 0), 24},   // documentation
    {v4(224, 0, 0, 0), 4},      // multicast
    {v4(240, 0, 0, 0), 4},      // reserved, broadcast
    {v4(255, 255, 255, 255), 32},
}};

bool internal_v4(const ip::address_v4& a) {
    const std::uint32_t value = a.to_uint();
    return std::any_of(kInternalV4.begin(), kInternalV4.end(), [value](const V4Range& r) {
        const std::uint32_t mask = r.bits == 0 ? 0 : ~std::uint32_t{0} << (32 - r.bits);
        return (value & mask) == r.network;
    });
}

bool internal_v6(const ip::address_v6& a) {
    if (a.is_v4_mapped()) return internal_v4(ip::make_address_v4(ip::v4_mapped, a));
    const auto b = a.to_bytes();
    if (a.is_loopback() || a.is_unspecified() || a.is_multicast() || a.is_link_local() || a.is_site_local()) return true;
    if ((b[0] & 0xfe) == 0xfc) return true;  // unique local fc00::/7
    // 64:ff9b::/96 (NAT64) and ::/96 (IPv4-compatible): the embedded IPv4 address decides.
    const bool nat64 = b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b &&
                       std::all_of(b.begin() + 4, b.begin() + 12, [](unsigned char c) { return c == 0; });
    const bool compatible = std::all_of(b.begin(), b.begin() + 12, [](unsigned char c) { return c == 0; });
    if (nat64 || compatible) return internal_v4(ip::address_v4({b[12], b[13], b[14], b[15]}));
    if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return true;  // documentation 2001:db8::/32
    if (b[0] == 0x20 && b[1] == 0x02) return internal_v4(ip::address_v4({b[2], b[3], b[4], b[5]}));  // 6to4
    return false;
}

/// One part of a numeric host as inet_aton and the WHATWG URL standard read it:
/// 0x… hexadecimal, 0… octal, else decimal; nullopt when it is not a number.
std::optional<std::uint64_t> host_number(std::string_view part) {
    int base = 10;
    if (part.size() >= 2 && part[0] == '0' && (part[1] == 'x' || part[1] == 'X')) base = 16, part.remove_prefix(2);
    else if (part.size() >= 2 && part[0] == '0') base = 8, part.remove_prefix(1);
    if (part.empty()) return base == 16 ? std::optional<std::uint64_t>(0) : std::nullopt;
    std::uint64_t value = 0;
    for (char c : part) {
        const int digit = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                          : std::isxdigit(static_cast<unsigned char>(c)) ? std::tolower(c) - 'a' + 10
                                                                         : 99;
        if (digit >= base) return std::nullopt;
        value = value * static_cast<std::uint64_t>(base) + static_cast<std::uint64_t>(digit);
        if (value > 0xFFFFFFFFull) return UINT64_MAX;  // too large for any part: refused by the caller
    }
    return value;
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

} // namespace

std::optional<std::optional<ip::address_v4>> numeric_ipv4_host(std::string_view host) {
    if (!host.empty() && host.back() == '.') host.remove_suffix(1);  // "127.0.0.1." is the same host
    std::vector<std::uint64_t> parts;
    for (std::size_t start = 0;;) {
        const auto dot = host.find('.', start);
        const auto number = host_number(host.substr(start, dot == std::string_view::npos ? dot : dot - start));
        if (!number) return std::nullopt;  // a name, not a number
        parts.push_back(*number);
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    if (parts.size() > 4) return std::optional<ip::address_v4>();
    // a.b.c.d; a.b.c (c: 16 bits); a.b (b: 24 bits); a (32 bits).
    std::uint64_t value = 0;
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
        if (parts[i] > 255) return std::optional<ip::address_v4>();
        value |= parts[i] << (8 * (3 - i));
    }
    const std::uint64_t last_max = (1ull << (8 * (5 - parts.size()))) - 1;
    if (parts.back() > last_max) return std::optional<ip::address_v4>();
    value |= parts.back();
    return std::optional<ip::address_v4>(ip::address_v4(static_cast<std::uint32_t>(value)));
}

bool is_internal_address(const ip::address& address) {
    return address.is_v4() ? internal_v4(address.to_v4()) : internal_v6(address.to_v6());
}

bool DestinationPolicy::internal_allowed(const std::string& host) const {
    const std::string name = lower(host);
    return std::any_of(internal_hosts_.begin(), internal_hosts_.end(),
                       [&name](const std::string& allowed) { return lower(allowed) == name; });
}

std::optional<std::string> DestinationPolicy::check_url(const std::string& url) const {
    auto parsed = boost::urls::parse_absolute_uri(url);
    if (!parsed) return "callback_url is not an absolute URL";
    if (parsed->scheme() != "http" && parsed->scheme() != "https") return "callback_url must be an http:// or https:// URL";
    if (parsed->has_userinfo()) return "callback_url must not carry credentials";
    if (parsed->encoded_host().empty()) return "callback_url has no host";
    // After an authority the path starts with '/' (RFC 3986 path-abempty). Boost.URL 1.81
    // reads "http://1.2.3.4.5/" as host 1.2.3.4 and path ".5/": refuse what it misreads.
    if (const auto path = parsed->encoded_path(); !path.empty() && path.front() != '/')
        return "callback_url's host " + std::string(parsed->encoded_host()) + std::string(path.substr(0, path.find('/'))) +
               " is not a valid IPv4 address or name";
    if (!prefixes_.empty() && std::none_of(prefixes_.begin(), prefixes_.end(), [&url](const std::string& prefix) {
            return !prefix.empty() && url.rfind(prefix, 0) == 0;
        }))
        return "callback_url is not on the server's allowlist";
    // An address written in the URL can be judged now; a name is judged when resolved.
    const std::string host(parsed->host_address());
    boost::system::error_code ec;
    auto literal = ip::make_address(host, ec);
    // "2130706433", "0x7f.1", "127.1": an IPv4 address spelled as numbers, as a URL parser
    // and inet_aton read it (a resolver would too): judged as that address.
    if (ec) {
        if (auto numeric = numeric_ipv4_host(host)) {
            if (!*numeric) return "callback_url's host " + host + " is not a valid IPv4 address";
            literal = **numeric;
            ec = {};
        }
    }
    if (!ec && is_internal_address(literal) && !internal_allowed(host))
        return "callback_url points at an internal address (" + host + (host == literal.to_string() ? "" : " = " + literal.to_string()) + ")";
    return std::nullopt;
}

std::optional<std::string> DestinationPolicy::check_resolved(const std::string& host,
                                                            const std::vector<ip::address>& addresses) const {
    if (addresses.empty()) return host + " resolves to no address";
    if (internal_allowed(host)) return std::nullopt;
    for (const auto& a : addresses)
        if (is_internal_address(a)) return host + " resolves to an internal address (" + a.to_string() + ")";
    return std::nullopt;
}

} // namespace taskstream
