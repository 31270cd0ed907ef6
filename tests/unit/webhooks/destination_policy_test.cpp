#include <catch2/catch.hpp>

#include "webhooks/destination_policy.hpp"

using namespace taskstream;
namespace ip = boost::asio::ip;

TEST_CASE("internal addresses are told from public ones, v4, v6 and v4 inside v6") {
    for (const char* internal : {"127.0.0.1", "127.255.0.9", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
                                 "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "192.0.2.1",
                                 "198.18.0.1", "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1",
                                 "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a9fe:a9fe", "2002:7f00:1::1", "2001:db8::1"})
        CHECK(is_internal_address(ip::make_address(internal)));
    for (const char* external : {"8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "169.255.0.1", "11.0.0.1",
                                 "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"})
        CHECK_FALSE(is_internal_address(ip::make_address(external)));
}

TEST_CASE("a callback URL is http(s), on the prefix list when there is one, and not an internal literal") {
    const DestinationPolicy any({}, {});
    CHECK_FALSE(any.check_url("https://hooks.example.com/x"));
    CHECK_FALSE(any.check_url("http://8.8.8.8:8080/x"));
    CHECK(any.check_url("ftp://hooks.example.com/x"));
    CHECK(any.check_url("file:///etc/passwd"));
    CHECK(any.check_url("https://user:pw@hooks.example.com/"));
    CHECK(any.check_url("/relative"));
    CHECK(any.check_url("http://127.0.0.1:9000/x"));
    CHECK(any.check_url("http://[::1]:9000/x"));
    CHECK(any.check_url("http://169.254.169.254/latest/meta-data"));
    CHECK(any.check_url("http://[::ffff:127.0.0.1]/x"));

    const DestinationPolicy listed({"https://hooks.example.com/"}, {"127.0.0.1"});
    CHECK_FALSE(listed.check_url("https://hooks.example.com/done"));
    CHECK(listed.check_url("https://hooks.example.com.evil.test/done"));
    CHECK(listed.check_url("http://127.0.0.1:9000/x"));  // allowed to be internal, but not on the prefix list

    const DestinationPolicy local({}, {"127.0.0.1", "LocalHost"});
    CHECK_FALSE(local.check_url("http://127.0.0.1:9000/x"));
    CHECK(local.check_url("http://127.0.0.2:9000/x"));
}

TEST_CASE("resolved addresses decide for names; a name allowed by name may be internal") {
    const DestinationPolicy policy({}, {"localhost"});
    const std::vector<ip::address> loopback{ip::make_address("127.0.0.1")};
    const std::vector<ip::address> mixed{ip::make_address("93.184.216.34"), ip::make_address("10.0.0.5")};
    const std::vector<ip::address> public_only{ip::make_address("93.184.216.34")};
    CHECK(policy.check_resolved("rebind.example", loopback));
    CHECK(policy.check_resolved("rebind.example", mixed));  // any internal address refuses the name
    CHECK_FALSE(policy.check_resolved("hooks.example", public_only));
    CHECK_FALSE(policy.check_resolved("LOCALHOST", loopback));
    CHECK(policy.check_resolved("hooks.example", {}));
}

TEST_CASE("an internal address spelled as numbers is one: inet_aton's and the URL standard's forms") {
    const DestinationPolicy any({}, {});
    for (const char* url : {"http://2130706433/", "http://0x7f.1/", "http://0x7f000001/", "http://017700000001/",
                            "http://127.1/", "http://0177.0.0.1/", "http://0/", "http://2852039166/",
                            "http://0x7F.0.0.1/", "http://10.1/"}) {
        INFO(url);
        auto refused = any.check_url(url);
        REQUIRE(refused);
        CHECK(refused->find("internal address") != std::string::npos);
    }
    CHECK(any.check_url("http://2852039166/")->find("169.254.169.254") != std::string::npos);
    CHECK(any.check_url("http://256.1.1.1/")->find("not a valid IPv4 address") != std::string::npos);
    CHECK(any.check_url("http://1.2.3.4.5/")->find("not a valid IPv4 address") != std::string::npos);
    CHECK(any.check_url("http://127.0.0.1./"));  // Boost.URL reads host 127.0.0.1, path "./": refused
    CHECK(numeric_ipv4_host("127.0.0.1.") == std::optional<std::optional<ip::address_v4>>(ip::make_address_v4("127.0.0.1")));
    CHECK_FALSE(any.check_url("http://134744072/"));  // 8.8.8.8
    CHECK_FALSE(any.check_url("http://0x8.0x8.0x8.0x8/"));
    CHECK_FALSE(any.check_url("http://1e100.net/"));  // a name: judged when resolved
    CHECK_FALSE(any.check_url("http://123.example/"));
    CHECK(numeric_ipv4_host("017700000001").value() == ip::make_address_v4("127.0.0.1"));
    CHECK(numeric_ipv4_host("192.168.257") == std::optional<std::optional<ip::address_v4>>(ip::make_address_v4("192.168.1.1")));
    CHECK_FALSE(numeric_ipv4_host("hooks.example"));
    const DestinationPolicy local({}, {"127.1"});
    CHECK_FALSE(local.check_url("http://127.1:9000/x"));  // allowed by the name it is written with
}
