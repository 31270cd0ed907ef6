#include <catch2/catch.hpp>

#include "http/client_address.hpp"

using namespace taskstream::http;
namespace ip = boost::asio::ip;

TEST_CASE("cidr: v4 and v6 blocks, bare addresses, v4-mapped peers; bad text refused") {
    auto ten = Cidr::parse("10.0.0.0/8");
    REQUIRE(ten);
    CHECK(ten->contains(ip::make_address("10.200.3.4")));
    CHECK_FALSE(ten->contains(ip::make_address("11.0.0.1")));
    CHECK(ten->contains(ip::make_address("::ffff:10.1.2.3")));  // a dual-stack socket's view of a v4 peer
    CHECK_FALSE(ten->contains(ip::make_address("2001:db8::1")));
    auto one = Cidr::parse("127.0.0.1");
    REQUIRE(one);
    CHECK(one->contains(ip::make_address("127.0.0.1")));
    CHECK_FALSE(one->contains(ip::make_address("127.0.0.2")));
    auto v6 = Cidr::parse("2001:db8::/32");
    REQUIRE(v6);
    CHECK(v6->contains(ip::make_address("2001:db8:ffff::1")));
    CHECK_FALSE(v6->contains(ip::make_address("2001:db9::1")));
    auto any = Cidr::parse("0.0.0.0/0");
    REQUIRE(any);
    CHECK(any->contains(ip::make_address("192.0.2.1")));
    for (const char* bad : {"10.0.0.0/33", "::/129", "10.0.0/8", "10.0.0.0/", "10.0.0.0/x", "host.example", ""})
        CHECK_FALSE(Cidr::parse(bad));
}

TEST_CASE("trusted proxies: the right-most untrusted hop is the client; untrusted peers are believed about nothing") {
    TrustedProxies proxies({"127.0.0.1/32", "10.0.0.0/8"});
    const auto proxy = ip::make_address("127.0.0.1");
    CHECK(proxies.client_of(proxy, "", "203.0.113.9") == "203.0.113.9");
    CHECK(proxies.client_of(proxy, "", "192.0.2.66, 203.0.113.9, 10.1.1.1") == "203.0.113.9");
    CHECK(proxies.client_of(proxy, "for=192.0.2.60;proto=http, for=10.0.0.2", "") == "192.0.2.60");
    CHECK(proxies.client_of(proxy, "For=\"[2001:db8:cafe::17]:4711\"", "") == "2001:db8:cafe::17");
    CHECK(proxies.client_of(proxy, "for=198.51.100.1:8080", "203.0.113.1") == "198.51.100.1");  // Forwarded first
    CHECK(proxies.client_of(proxy, "", "") == "127.0.0.1");
    CHECK(proxies.client_of(proxy, "", "not an address") == "127.0.0.1");
    CHECK(proxies.client_of(proxy, "for=unknown", "") == "127.0.0.1");
    CHECK(proxies.client_of(proxy, "", "10.0.0.5, 10.0.0.6") == "10.0.0.5");  // every hop trusted: the first
    CHECK(proxies.client_of(ip::make_address("192.0.2.1"), "for=1.2.3.4", "5.6.7.8") == "192.0.2.1");
}
