// RedisConnection against a real redis-server: replies of every type, pipelined
// order, deadlines when Redis hangs or is gone, reconnection, AUTH, the bound.
#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include "quiet_logger.hpp"
#include "redis_process.hpp"
#include "server_process.hpp"
#include "store/redis/redis_connection.hpp"
#include "store/store.hpp"

using namespace taskstream;
using taskstream::testing::RedisProcess;
using taskstream::testing::TempDir;
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

RedisEndpoint endpoint_of(const RedisProcess& redis) { return parse_redis_url(redis.url()).value(); }

RedisOptions quick(std::chrono::milliseconds timeout = 2000ms) {
    RedisOptions o;
    o.command_timeout = timeout;
    o.backoff_base = 10ms;
    o.backoff_max = 100ms;
    return o;
}

/// One INCR; its reply lands in `slot`. (Parameters, not lambda captures: the
/// coroutine outlives the statement that starts it.)
asio::awaitable<void> incr(RedisConnection& conn, std::int64_t& slot) {
    std::vector<RedisCommand> command{RedisCommand{"INCR", "counter"}};
    auto replies = co_await conn.async_exec(std::move(command), asio::use_awaitable);
    slot = replies.at(0).integer;
}

} // namespace

TEST_CASE("redis connection: every reply type, and a Redis error is a reply", "[redis]") {
    TempDir dir;
    RedisProcess redis(dir.path());
    RedisConnection conn(endpoint_of(redis), quick(), taskstream::testing::quiet_logger());

    auto r = conn.exec({{"SET", "k", std::string("v\0w", 3)}, {"GET", "k"}, {"GET", "missing"}, {"INCRBY", "n", "41"},
                        {"RPUSH", "l", "a", "b"}, {"LRANGE", "l", "0", "-1"}, {"INCR", "k"}});
    REQUIRE(r.size() == 7);
    CHECK(r[0].type == RedisReply::Type::status);
    CHECK(r[0].text == "OK");
    CHECK(r[1].type == RedisReply::Type::string);
    CHECK(r[1].text == std::string("v\0w", 3));
    CHECK(r[2].is_nil());
    CHECK(r[3].type == RedisReply::Type::integer);
    CHECK(r[3].integer == 41);
    REQUIRE(r[5].type == RedisReply::Type::array);
    REQUIRE(r[5].items.size() == 2);
    CHECK(r[5].items[1].text == "b");
    CHECK(r[6].is_error());
    CHECK(r[6].text.find("not an integer") != std::string::npos);
    CHECK(conn.connected());
}

TEST_CASE("redis connection: requests from coroutines are pipelined and answered in order", "[redis]") {
    TempDir dir;
    RedisProcess redis(dir.path());
    RedisConnection conn(endpoint_of(redis), quick(), taskstream::testing::quiet_logger());

    // 2,000 requests issued at once from one thread: each INCR sees exactly the count
    // of those issued before it, so the replies cannot have been crossed.
    asio::io_context ioc;
    constexpr int n = 2000;
    std::vector<std::int64_t> seen(n, -1);
    for (int i = 0; i < n; ++i) {
        asio::co_spawn(ioc, incr(conn, seen[i]), asio::detached);
    }
    ioc.run();
    for (int i = 0; i < n; ++i) REQUIRE(seen[i] == i + 1);
    CHECK(conn.exec({{"GET", "counter"}}).at(0).text == std::to_string(n));
}

TEST_CASE("redis connection: a hung Redis costs a request its deadline, not more, and the connection comes back",
          "[redis]") {
    TempDir dir;
    RedisProcess redis(dir.path());
    RedisConnection conn(endpoint_of(redis), quick(300ms), taskstream::testing::quiet_logger());
    REQUIRE(conn.exec({{"SET", "before", "1"}}).at(0).text == "OK");

    redis.freeze();
    try {
        conn.exec({{"SET", "during", "1"}});
        FAIL("a frozen Redis answered");
    } catch (const StoreError& e) {
        CHECK(std::string(e.what()).find("timed out") != std::string::npos);
    }
    CHECK_FALSE(conn.connected());  // the unanswered request took the connection with it
    redis.thaw();

    // A request made while reconnecting waits for the new connection, within its own deadline.
    auto r = conn.exec({{"GET", "before"}}, 5000ms);
    CHECK(r.at(0).text == "1");
    CHECK(conn.connected());
}

TEST_CASE("redis connection: Redis restarted: requests fail while it is down, succeed after, data kept", "[redis]") {
    TempDir dir;
    RedisProcess redis(dir.path());
    RedisConnection conn(endpoint_of(redis), quick(300ms), taskstream::testing::quiet_logger());
    REQUIRE(conn.exec({{"SET", "kept", "yes"}}).at(0).text == "OK");

    redis.stop();
    CHECK_THROWS_AS(conn.exec({{"GET", "kept"}}), StoreError);
    redis.start();
    CHECK(conn.exec({{"GET", "kept"}}, 5000ms).at(0).text == "yes");  // appendfsync always: it was on disk
}

TEST_CASE("redis connection: down past one deadline, a request waits only briefly - one made once Redis is back succeeds",
          "[redis]") {
    TempDir dir;
    RedisProcess redis(dir.path());
    auto options = quick(1000ms);
    options.backoff_base = 2000ms;  // a reconnect would wait long: a request must not wait for it
    options.backoff_max = 2000ms;
    options.down_wait = 200ms;
    RedisConnection conn(endpoint_of(redis), options, taskstream::testing::quiet_logger());
    REQUIRE(conn.exec({{"SET", "kept", "yes"}}).at(0).text == "OK");

    redis.freeze();
    CHECK_THROWS_AS(conn.exec({{"GET", "kept"}}), StoreError);  // its whole deadline: the connection goes
    const auto before = std::chrono::steady_clock::now();
    CHECK_THROWS_AS(conn.exec({{"GET", "kept"}}, 5000ms), StoreError);
    const auto waited = std::chrono::steady_clock::now() - before;
    CHECK(waited < 1000ms);  // its down_wait, not its 5 s deadline: bounded answers while Redis is away
    redis.thaw();
    // Back: the next request connects at once, not after the 2 s backoff.
    CHECK(conn.exec({{"GET", "kept"}}, 5000ms).at(0).text == "yes");
    CHECK(conn.connected());
}

TEST_CASE("redis connection: AUTH with the URL's user and password, and a wrong one never connects", "[redis]") {
    TempDir dir;
    RedisProcess redis(dir.path(), {"--requirepass", "s3cret"});
    auto ep = endpoint_of(redis);

    ep.user = "default";
    ep.password = "s3cret";
    RedisConnection good(ep, quick(), taskstream::testing::quiet_logger());
    CHECK(good.exec({{"PING"}}).at(0).text == "PONG");

    ep.password = "wrong";
    RedisConnection bad(ep, quick(300ms), taskstream::testing::quiet_logger());
    CHECK_THROWS_AS(bad.exec({{"PING"}}), StoreError);
    CHECK_FALSE(bad.connected());
}

TEST_CASE("redis connection: the queue is bounded, and past it a request fails at once", "[redis]") {
    TempDir dir;
    RedisProcess redis(dir.path());
    RedisOptions options = quick(5000ms);
    options.max_pending = 8;
    RedisConnection conn(endpoint_of(redis), options, taskstream::testing::quiet_logger());
    REQUIRE(conn.exec({{"PING"}}).at(0).text == "PONG");

    redis.freeze();
    asio::io_context ioc;
    std::vector<std::future<RedisConnection::Replies>> pending;
    for (int i = 0; i < 8; ++i) pending.push_back(conn.async_exec({{"PING"}}, asio::use_future));
    auto refused = conn.async_exec({{"PING"}}, asio::use_future);
    // The ninth completes at once with no_buffer_space, while the eight still wait on Redis.
    try {
        refused.get();
        FAIL("the ninth request was taken");
    } catch (const boost::system::system_error& e) {
        CHECK(e.code() == asio::error::no_buffer_space);
    }
    for (auto& f : pending) CHECK(f.wait_for(0ms) == std::future_status::timeout);
    redis.thaw();
    for (auto& f : pending) CHECK(f.get().at(0).text == "PONG");
}
