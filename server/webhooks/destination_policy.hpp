// DestinationPolicy: where a webhook may go. A callback_url is http(s), on the
// operator's prefix allowlist when there is one, and — after its host is
// resolved, at every attempt — never a loopback, private, link-local or
// otherwise internal address unless the host is allowlisted by name. The
// addresses checked are the ones connected to (no second lookup to rebind).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ip/address.hpp>

namespace taskstream {

/// Loopback, unspecified, private (RFC 1918, fc00::/7), link-local, CGNAT
/// (100.64/10), multicast, broadcast, reserved, documentation and benchmark
/// ranges, and IPv4 mapped or translated into IPv6 that are any of those.
bool is_internal_address(const boost::asio::ip::address& address);

/// A host made of numbers only ("2130706433", "0x7f.1", "127.1", "0177.0.0.1"), read as
/// inet_aton and the WHATWG URL standard read it: its address, or (inner nullopt) no
/// valid one; nullopt when the host is a name.
std::optional<std::optional<boost::asio::ip::address_v4>> numeric_ipv4_host(std::string_view host);

class DestinationPolicy {
public:
    DestinationPolicy(std::vector<std::string> url_prefixes, std::vector<std::string> internal_hosts)
        : prefixes_(std::move(url_prefixes)), internal_hosts_(std::move(internal_hosts)) {}

    /// Empty when `url` may be called back (as far as can be told before resolving); else why not.
    std::optional<std::string> check_url(const std::string& url) const;

    /// Empty when `host`, resolved to `addresses`, may be connected to; else why not.
    std::optional<std::string> check_resolved(const std::string& host,
                                              const std::vector<boost::asio::ip::address>& addresses) const;

private:
    bool internal_allowed(const std::string& host) const;

    std::vector<std::string> prefixes_;       // empty: any URL (still subject to the address rule)
    std::vector<std::string> internal_hosts_; // host names (or literal addresses) allowed to be internal
};

} // namespace taskstream
