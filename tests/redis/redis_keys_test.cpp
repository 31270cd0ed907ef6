// What a client sends never names Redis's bookkeeping, and a write that cannot be
// applied whole applies nothing: against a real redis-server under the real binary.
#include <catch2/catch.hpp>

#include "http_client.hpp"
#include "quiet_logger.hpp"
#include "redis_process.hpp"
#include "server_process.hpp"
#include "store/redis/redis_connection.hpp"

using namespace taskstream;
using namespace taskstream::testing;
using json = nlohmann::json;

namespace {

const json kTask{{"kind", "demo.countdown"}, {"params", {{"steps", 1}, {"interval_ms", 0}}}};

std::unique_ptr<RedisConnection> connect(const RedisProcess& redis) {
    return std::make_unique<RedisConnection>(parse_redis_url(redis.url()).value(), RedisOptions{}, quiet_logger());
}

} // namespace

TEST_CASE("redis keys: an Idempotency-Key of 'by-time' is a key like any other, not the store's index", "[redis]") {
    TempDir dir;
    RedisProcess redis(dir.path() / "redis");
    ServerProcess server(dir.path(), {"--store", redis.url()});
    HttpClient http(server.port());
    const auto first = http.post_json("/v1/tasks", kTask, {{"Idempotency-Key", "by-time"}});
    REQUIRE(first.status == 202);
    // Every later key works, and the same one gives the same task.
    CHECK(http.post_json("/v1/tasks", kTask, {{"Idempotency-Key", "other"}}).status == 202);
    const auto again = http.post_json("/v1/tasks", kTask, {{"Idempotency-Key", "by-time"}});
    CHECK(again.status == 200);
    CHECK(again.json()["id"] == first.json()["id"]);
    auto conn = connect(redis);
    CHECK(conn->exec({{"TYPE", "taskstream:idem:by-time"}}).at(0).text == "zset");
}

TEST_CASE("redis keys: a write that meets a key of the wrong type applies nothing, and says so", "[redis]") {
    TempDir dir;
    RedisProcess redis(dir.path() / "redis");
    ServerProcess server(dir.path(), {"--store", redis.url()});
    HttpClient http(server.port());
    auto conn = connect(redis);
    conn->exec({{"SET", "taskstream:idem:by-time", "not a zset"}});  // bookkeeping damaged by hand

    const auto refused = http.post_json("/v1/tasks", kTask, {{"Idempotency-Key", "k1"}});
    CHECK(refused.status == 503);
    CHECK(http.get("/v1/tasks").json()["tasks"].empty());  // nothing of it was stored: no row, no queue entry
    CHECK(conn->exec({{"EXISTS", "taskstream:seq"}}).at(0).integer == 0);
    CHECK(conn->exec({{"ZCARD", "taskstream:due"}}).at(0).integer == 0);

    conn->exec({{"DEL", "taskstream:idem:by-time"}});
    const auto created = http.post_json("/v1/tasks", kTask, {{"Idempotency-Key", "k1"}});
    CHECK(created.status == 202);
    CHECK(http.get("/v1/tasks").json()["tasks"].size() == 1);
}
