// --redis-min-replicas against real processes: a primary and a replica of it. A 202 comes
// once the replica has the task; a replica that does not confirm within the write's window
// makes the answer a 503 (not a hang), and a client that retries with its Idempotency-Key
// gets the one task once the replica is back.
#include <catch2/catch.hpp>

#include "http_client.hpp"
#include "quiet_logger.hpp"
#include "redis_process.hpp"
#include "server_process.hpp"
#include "store/redis/redis_connection.hpp"
#include "store/store.hpp"

using namespace taskstream;
using namespace taskstream::testing;
using json = nlohmann::json;

namespace {

/// Polls `check` until it holds (a bounded poll of Redis, not a wait for time).
bool within(std::chrono::seconds bound, const std::function<bool()>& check) {
    const auto deadline = std::chrono::steady_clock::now() + bound;
    while (std::chrono::steady_clock::now() < deadline) {
        if (check()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

} // namespace

TEST_CASE("redis min replicas: a 202 once the replica has the task - one that does not confirm is a 503, "
          "and the Idempotency-Key finds the one task after",
          "[redis]") {
    TempDir dir;
    RedisProcess primary(dir.path() / "primary");
    RedisProcess replica(dir.path() / "replica", {"--replicaof", "127.0.0.1", std::to_string(primary.port())});
    RedisConnection admin(parse_redis_url(primary.url()).value(), RedisOptions{}, quiet_logger());
    REQUIRE(within(std::chrono::seconds(10), [&] {
        return admin.exec({{"INFO", "replication"}}).at(0).text.find("state=online") != std::string::npos;
    }));
    RedisConnection on_replica(parse_redis_url(replica.url()).value(), RedisOptions{}, quiet_logger());

    ServerProcess server(dir.path(), {"--store", primary.url(), "--redis-min-replicas", "1"});
    HttpClient http(server.port());
    // A loaded machine may keep the replica's answer past the write's window: then a 503, and asked again.
    HttpResponse created;
    REQUIRE(within(std::chrono::seconds(10), [&] {
        created = http.post_json("/v1/tasks", {{"kind", "demo.noop"}});
        return created.status == 202;
    }));
    const std::string id = created.json()["id"];
    // WAIT confirmed it: the replica has the row when the client hears 202.
    CHECK_FALSE(on_replica.exec({{"HGET", "taskstream:task:" + id, "state"}}).at(0).is_nil());

    replica.freeze();
    const auto asked = std::chrono::steady_clock::now();
    auto refused = http.post_json("/v1/tasks", {{"kind", "demo.noop"}}, {{"Idempotency-Key", "replicated-1"}});
    // Bounded by the writes' windows (WAIT waits half of one): not a hang, even on a loaded machine.
    CHECK(std::chrono::steady_clock::now() - asked < std::chrono::seconds(5));
    CHECK(refused.status == 503);
    CHECK_FALSE(refused.header("retry-after").empty());
    replica.thaw();

    HttpResponse again;
    REQUIRE(within(std::chrono::seconds(10), [&] {
        again = http.post_json("/v1/tasks", {{"kind", "demo.noop"}}, {{"Idempotency-Key", "replicated-1"}});
        return again.status == 202 || again.status == 200;
    }));
    auto once_more = http.post_json("/v1/tasks", {{"kind", "demo.noop"}}, {{"Idempotency-Key", "replicated-1"}});
    CHECK(once_more.status == 200);
    CHECK(once_more.json()["id"] == again.json()["id"]);
}
