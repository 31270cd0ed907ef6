#include <catch2/catch.hpp>

#include "store/redis/redis_reply.hpp"
#include "store/redis/redis_url.hpp"

using namespace taskstream;

TEST_CASE("redis url: host, port, database, user and password", "[redis]") {
    auto ep = parse_redis_url("redis://app:s%40cret@cache.internal:6380/3");
    REQUIRE(ep.ok());
    CHECK(ep->host == "cache.internal");
    CHECK(ep->port == 6380);
    CHECK(ep->db == 3);
    CHECK(ep->user == "app");
    CHECK(ep->password == "s@cret");
    CHECK(ep->redacted() == "redis://app:***@cache.internal:6380/3");

    auto plain = parse_redis_url("redis://127.0.0.1");
    REQUIRE(plain.ok());
    CHECK(plain->port == 6379);
    CHECK(plain->db == 0);
    CHECK(plain->password.empty());
    CHECK(plain->redacted() == "redis://127.0.0.1:6379/0");

    auto v6 = parse_redis_url("redis://[::1]:7000/1");
    REQUIRE(v6.ok());
    CHECK(v6->host == "::1");
    CHECK(v6->redacted() == "redis://[::1]:7000/1");

    auto password_only = parse_redis_url("redis://:pw@h/0");
    REQUIRE(password_only.ok());
    CHECK(password_only->user.empty());
    CHECK(password_only->password == "pw");
    CHECK(password_only->redacted() == "redis://:***@h:6379/0");

    auto tls = parse_redis_url("rediss://app:pw@cache.example.com:6380/2");
    REQUIRE(tls.ok());
    CHECK(tls->tls);
    CHECK_FALSE(plain->tls);
    CHECK(tls->host == "cache.example.com");
    CHECK(tls->redacted() == "rediss://app:***@cache.example.com:6380/2");
}

TEST_CASE("redis url: sentinels, the primary's name and the database", "[redis]") {
    auto ep = parse_redis_url("redis+sentinel://app:p%40ss@10.0.0.1:26380,sentinel-b,[::1]:26381/mymaster/2");
    REQUIRE(ep.ok());
    REQUIRE(ep->sentinels.size() == 3);
    CHECK(ep->sentinels[0].host == "10.0.0.1");
    CHECK(ep->sentinels[0].port == 26380);
    CHECK(ep->sentinels[1].host == "sentinel-b");
    CHECK(ep->sentinels[1].port == 26379);
    CHECK(ep->sentinels[2].host == "::1");
    CHECK(ep->sentinels[2].port == 26381);
    CHECK(ep->primary_name == "mymaster");
    CHECK(ep->db == 2);
    CHECK(ep->user == "app");
    CHECK(ep->password == "p@ss");
    CHECK_FALSE(ep->tls);
    CHECK(ep->redacted() == "redis+sentinel://app:***@10.0.0.1:26380,sentinel-b:26379,[::1]:26381/mymaster/2");
    auto tls = parse_redis_url("rediss+sentinel://s1:26379/primary");
    REQUIRE(tls.ok());
    CHECK(tls->tls);
    CHECK(tls->db == 0);
    for (const char* bad : {"redis+sentinel://s1:26379", "redis+sentinel://s1:26379/", "redis+sentinel:///m/0",
                            "redis+sentinel://s1:0/m", "redis+sentinel://s1:26379/m/x", "redis+sentinel://s1/m?x=1",
                            "redis+sentinel://a:%zz@s1/m"}) {
        INFO(bad);
        auto refused = parse_redis_url(bad);
        REQUIRE_FALSE(refused.ok());
        CHECK(refused.error().detail.rfind("--store: ", 0) == 0);
    }
}

TEST_CASE("redis url: anything else is refused, naming what is wrong", "[redis]") {
    for (const char* bad : {"sqlite", "http://h:6379/0", "redisss://h/0", "rediss://", "redis://", "redis://h:0/0",
                            "redis://h:70000/0", "redis://h:x/0", "redis://h/db", "redis://h/-1", "redis://h/0?x=1",
                            "redis://h/0#f", "redis://h/0/1"}) {
        INFO(bad);
        auto ep = parse_redis_url(bad);
        REQUIRE_FALSE(ep.ok());
        CHECK(ep.error().code == errc::bad_request);
        CHECK(ep.error().detail.rfind("--store: ", 0) == 0);
    }
}

TEST_CASE("redis commands are framed as RESP arrays of bulk strings, binary-safe", "[redis]") {
    std::string out;
    append_resp(out, {"SET", "k", std::string("a\r\n\0b", 5)});
    const std::string set("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\na\r\n\0b\r\n", 31);
    CHECK(out == set);
    append_resp(out, {"PING"});
    CHECK(out.substr(set.size()) == "*1\r\n$4\r\nPING\r\n");
}
