#include "http/client_address.hpp"

#include <algorithm>

namespace taskstream::http {

namespace ip = boost::asio::ip;

std::optional<Cidr> Cidr::parse(const std::string& text) {
    const auto slash = text.find('/');
    boost::system::error_code ec;
    Cidr block;
    block.network_ = ip::make_address(text.substr(0, slash), ec);
    if (ec) return std::nullopt;
    const unsigned bits = block.network_.is_v4() ? 32 : 128;
    block.prefix_ = bits;
    if (slash != std::string::npos) {
        const std::string digits = text.substr(slash + 1);
        if (digits.empty() || digits.size() > 3 || digits.find_first_not_of("0123456789") != std::string::npos)
            return std::nullopt;
        block.prefix_ = static_cast<unsigned>(std::stoul(digits));
        if (block.prefix_ > bits) return std::nullopt;
    }
    return block;
}

namespace {

/// The address as 16 bytes (v4 mapped into v6), so one comparison serves both.
ip::address_v6::bytes_type as_v6_bytes(const ip::address& a) {
    return a.is_v4() ? ip::make_address_v6(ip::v4_mapped, a.to_v4()).to_bytes() : a.to_v6().to_bytes();
}

bool same_prefix(const ip::address_v6::bytes_type& a, const ip::address_v6::bytes_type& b, unsigned bits) {
    for (std::size_t i = 0; bits > 0; ++i, bits = bits > 8 ? bits - 8 : 0) {
        const unsigned take = std::min(bits, 8u);
        const auto mask = static_cast<unsigned char>(0xFF << (8 - take));
        if ((a[i] & mask) != (b[i] & mask)) return false;
    }
    return true;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

/// One hop's node: "192.0.2.1", "\"[2001:db8::1]:4711\"", "198.51.100.7:80"; nullopt
/// for "unknown", obfuscated names or anything else that is not an address.
std::optional<ip::address> node_address(std::string_view node) {
    node = trim(node);
    if (node.size() >= 2 && node.front() == '"' && node.back() == '"') node = node.substr(1, node.size() - 2);
    if (!node.empty() && node.front() == '[') {
        auto close = node.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        node = node.substr(1, close - 1);
    } else if (std::count(node.begin(), node.end(), ':') == 1) {
        node = node.substr(0, node.find(':'));  // v4 with a port
    }
    boost::system::error_code ec;
    auto a = ip::make_address(std::string(node), ec);
    if (ec) return std::nullopt;
    return a;
}

/// The hops, nearest last: X-Forwarded-For "client, proxy1" or Forwarded
/// "for=client;proto=https, for=proxy1". Empty when any hop is unreadable.
std::vector<ip::address> chain_of(std::string_view header, bool forwarded_syntax) {
    std::vector<ip::address> hops;
    while (!header.empty()) {
        const auto comma = header.find(',');
        std::string_view element = header.substr(0, comma);
        header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
        std::optional<ip::address> hop;
        if (forwarded_syntax) {
            while (!element.empty()) {
                const auto semi = element.find(';');
                auto pair = trim(element.substr(0, semi));
                element = semi == std::string_view::npos ? std::string_view() : element.substr(semi + 1);
                if (pair.size() > 4 && (pair.substr(0, 4) == "for=" || pair.substr(0, 4) == "For=" ||
                                        pair.substr(0, 4) == "FOR="))
                    hop = node_address(pair.substr(4));
            }
        } else {
            hop = node_address(element);
        }
        if (!hop) return {};
        hops.push_back(*hop);
    }
    return hops;
}

} // namespace

bool Cidr::contains(const ip::address& address) const {
    const unsigned offset = network_.is_v4() ? 96 : 0;  // a v4 block covers the v4-mapped v6 range
    if (network_.is_v4() && address.is_v6() && !address.to_v6().is_v4_mapped()) return false;
    return same_prefix(as_v6_bytes(network_), as_v6_bytes(address), prefix_ + offset);
}

TrustedProxies::TrustedProxies(const std::vector<std::string>& cidrs) {
    for (const auto& text : cidrs)
        if (auto block = Cidr::parse(text)) blocks_.push_back(*block);
}

bool TrustedProxies::trusts(const ip::address& address) const {
    return std::any_of(blocks_.begin(), blocks_.end(), [&](const Cidr& c) { return c.contains(address); });
}

std::string TrustedProxies::client_of(const ip::address& peer, std::string_view forwarded,
                                      std::string_view x_forwarded_for) const {
    if (!trusts(peer)) return peer.to_string();
    auto hops = !forwarded.empty() ? chain_of(forwarded, true) : chain_of(x_forwarded_for, false);
    // Walk back from the nearest hop: the first address no trusted proxy owns is the client.
    for (auto it = hops.rbegin(); it != hops.rend(); ++it)
        if (!trusts(*it)) return it->to_string();
    return hops.empty() ? peer.to_string() : hops.front().to_string();
}

} // namespace taskstream::http
