// The client's address behind trusted proxies: a peer inside --trusted-proxies
// may name the client in `Forwarded` (RFC 7239) or `X-Forwarded-For`; any
// other peer is the client itself, whatever headers it sends.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ip/address.hpp>

namespace taskstream::http {

/// An address block: "10.0.0.0/8", "::1/128", or a bare address (all its bits).
class Cidr {
public:
    static std::optional<Cidr> parse(const std::string& text);
    bool contains(const boost::asio::ip::address& address) const;

private:
    boost::asio::ip::address network_;
    unsigned prefix_ = 0;
};

class TrustedProxies {
public:
    TrustedProxies() = default;
    /// Every element must parse (checked when the options were read).
    explicit TrustedProxies(const std::vector<std::string>& cidrs);

    bool empty() const { return blocks_.empty(); }
    bool trusts(const boost::asio::ip::address& address) const;

    /// The client: `peer` unless it is trusted; then the right-most address of
    /// the forwarding chain that is not itself a trusted proxy (the one the
    /// nearest untrusted hop added). `forwarded` wins over `x_forwarded_for`;
    /// an unreadable chain leaves the peer.
    std::string client_of(const boost::asio::ip::address& peer, std::string_view forwarded,
                          std::string_view x_forwarded_for) const;

private:
    std::vector<Cidr> blocks_;
};

} // namespace taskstream::http
