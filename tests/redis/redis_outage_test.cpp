// The real binary on a real Redis that hangs (SIGSTOP) or restarts: 503 with
// Retry-After while it is away, /readyz says so, open streams stay up on their
// heartbeats, and nothing acknowledged before the outage is lost.
#include <catch2/catch.hpp>

#include <signal.h>

#include <future>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include "http_client.hpp"
#include "model/sse_parser.hpp"
#include "redis_gate.hpp"
#include "redis_process.hpp"
#include "server_process.hpp"

using namespace taskstream::testing;
using json = nlohmann::json;

namespace {

json countdown(int steps) { return {{"kind", "demo.countdown"}, {"params", {{"steps", steps}, {"interval_ms", 0}}}}; }

/// POSTs until one is accepted (Redis is back, the connection made again), bounded.
HttpResponse post_until_accepted(HttpClient& http, const json& body, std::chrono::seconds bound) {
    auto deadline = std::chrono::steady_clock::now() + bound;
    for (;;) {
        auto r = http.post_json("/v1/tasks", body);
        if (r.status == 202 || std::chrono::steady_clock::now() > deadline) return r;
        REQUIRE(r.status == 503);  // only "not now" is acceptable while it reconnects
    }
}

} // namespace

TEST_CASE("server on redis: Redis frozen, then thawed - 503s and readyz while away, streams resume, nothing lost",
          "[redis]") {
    TempDir dir;
    RedisProcess redis(dir.path() / "redis");
    ServerProcess server(dir.path(), {"--store", redis.url(), "--heartbeat", "200ms"});
    HttpClient http(server.port());

    auto before = http.post_json("/v1/tasks", countdown(2));
    REQUIRE(before.status == 202);
    const std::string before_id = before.json()["id"];
    auto before_events = SseStream(server.port(), "/v1/tasks/" + before_id + "/events").read_to_end();
    REQUIRE(before_events.back().type == "state");
    REQUIRE(http.get("/readyz").status == 200);

    // A producer's stream stays open across the outage.
    SseStream news(server.port(), "/v1/events?topic=news");
    REQUIRE(news.response().status == 200);

    redis.freeze();
    const auto asked = std::chrono::steady_clock::now();
    auto refused = http.post_json("/v1/tasks", countdown(1));
    CHECK(std::chrono::steady_clock::now() - asked < std::chrono::seconds(2));  // "not now" within 2 s, never a hang
    CHECK(refused.status == 503);
    CHECK_FALSE(refused.header("retry-after").empty());
    CHECK(refused.json()["status"] == 503);
    CHECK(http.get("/readyz").status == 503);
    auto refused_publish = http.post_json("/v1/topics/news/events", {{"type", "item"}, {"data", {{"n", 1}}}});
    CHECK(refused_publish.status == 503);
    // The stream is still up: heartbeats (comments) keep coming while Redis hangs.
    auto heartbeats = news.parser().comments();
    redis.thaw();

    auto after = post_until_accepted(http, countdown(1), std::chrono::seconds(10));
    REQUIRE(after.status == 202);
    CHECK(http.get("/readyz").status == 200);
    // Every POST answered 503 left nothing behind, although the thawed Redis read them
    // off its socket: only the task from before and this one are stored.
    CHECK(http.get("/v1/tasks").json()["tasks"].size() == 2);
    auto published = http.post_json("/v1/topics/news/events", {{"type", "item"}, {"data", {{"n", 2}}}});
    REQUIRE(published.status == 202);
    // A producer's event reaches live readers before its commit (Topics, README): the
    // refused one may have come through live, but it was never stored, and n=2 follows.
    auto item = news.next();
    REQUIRE(item);
    if (json::parse(item->data) == json{{"n", 1}}) item = news.next();
    REQUIRE(item);
    CHECK(item->type == "item");
    CHECK(json::parse(item->data) == json{{"n", 2}});
    auto stored = SseStream(server.port(), "/v1/events?topic=news", {{"Last-Event-ID", "0"}});
    auto replayed = stored.next();
    REQUIRE(replayed);
    CHECK(json::parse(replayed->data) == json{{"n", 2}});  // n=1 was answered 503 and is not in the store
    CHECK(news.parser().comments() > heartbeats);

    // Acknowledged before the outage: still there, events and all.
    auto replay = SseStream(server.port(), "/v1/tasks/" + before_id + "/events").read_to_end();
    REQUIRE(replay.size() == before_events.size());
    CHECK(replay.back().id == before_events.back().id);
}

TEST_CASE("server on redis: Redis restarted under a running server - it reconnects, and the data is kept", "[redis]") {
    TempDir dir;
    RedisProcess redis(dir.path() / "redis");
    ServerProcess server(dir.path(), {"--store", redis.url()});
    HttpClient http(server.port());
    auto created = http.post_json("/v1/tasks", countdown(2));
    REQUIRE(created.status == 202);
    const std::string id = created.json()["id"];
    auto events = SseStream(server.port(), "/v1/tasks/" + id + "/events").read_to_end();

    redis.restart();  // appendfsync always: everything acknowledged is in the file it reloads
    auto again = post_until_accepted(http, countdown(1), std::chrono::seconds(10));
    REQUIRE(again.status == 202);
    auto task = http.get("/v1/tasks/" + id);
    REQUIRE(task.status == 200);
    CHECK(task.json()["state"] == "succeeded");
    CHECK(SseStream(server.port(), "/v1/tasks/" + id + "/events").read_to_end().size() == events.size());
    CHECK(server.stop() == 0);
}

TEST_CASE("server on redis: a bad URL or an unreachable Redis is a clear startup error", "[redis]") {
    auto bad = run_binary({"serve", "--store", "redis://h:99999/0"}, std::chrono::seconds(10));
    CHECK(bad.exit_code == 2);
    CHECK(bad.output.find("--store: the port must be 1 to 65535") != std::string::npos);

    TempDir dir;
    auto port = free_loopback_port();  // nothing listens there
    auto down = run_binary({"serve", "--listen", "127.0.0.1:0", "--data-dir", dir.path().string(), "--store",
                            "redis://:hunter2@127.0.0.1:" + std::to_string(port) + "/0"},
                           std::chrono::seconds(20));
    CHECK(down.exit_code == 1);
    CHECK(down.output.find("cannot open the store") != std::string::npos);
    CHECK(down.output.find("hunter2") == std::string::npos);  // the password is never logged
}

TEST_CASE("server on redis: a request waiting for a hung Redis does not hold up its I/O thread", "[redis]") {
    TempDir dir;
    RedisProcess redis(dir.path() / "redis");
    ServerProcess server(dir.path(), {"--store", redis.url(), "--io-threads", "1"});
    HttpClient http(server.port());
    const std::string id = create_task(http, countdown(1))["id"];
    REQUIRE(task_events(server.port(), id).size() >= 3);  // finished: a GET reads it from Redis now
    REQUIRE(http.get("/v1/tasks/" + id).json()["state"] == "succeeded");

    redis.freeze();
    // GET of a finished task reads Redis: it waits out the request deadline, then 503.
    // Its bytes are in the server's socket before the next request is sent.
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::socket waiting(ioc);
    waiting.connect({boost::asio::ip::make_address("127.0.0.1"), server.port()});
    const std::string get = "GET /v1/tasks/" + id + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    boost::asio::write(waiting, boost::asio::buffer(get));
    // Meanwhile the one I/O thread answers others: the GET waits on a pool, not on it.
    CHECK(HttpClient(server.port()).get("/healthz").status == 200);
    waiting.non_blocking(true);
    char byte = 0;
    boost::system::error_code ec;
    waiting.read_some(boost::asio::buffer(&byte, 1), ec);
    CHECK(ec == boost::asio::error::would_block);  // the GET has no answer yet
    waiting.non_blocking(false);
    boost::asio::streambuf answer;
    boost::asio::read_until(waiting, answer, "\r\n");
    std::string status_line{std::istreambuf_iterator<char>(&answer), {}};
    INFO(status_line);
    CHECK(status_line.find(" 503 ") != std::string::npos);
    redis.thaw();
}

namespace {

/// What a socket has without waiting: its bytes, and whether the peer closed it.
struct Available {
    std::string bytes;
    bool closed = false;
};

Available read_available(boost::asio::ip::tcp::socket& socket) {
    Available out;
    socket.non_blocking(true);
    char buffer[4096];
    for (;;) {
        boost::system::error_code ec;
        const std::size_t n = socket.read_some(boost::asio::buffer(buffer), ec);
        out.bytes.append(buffer, n);
        if (ec == boost::asio::error::would_block) break;
        if (ec) {
            out.closed = true;
            break;
        }
    }
    socket.non_blocking(false);
    return out;
}

} // namespace

TEST_CASE("server on redis: a stream waiting for Redis to open or for a replay page does not hold up its I/O thread",
          "[redis]") {
    TempDir dir;
    RedisProcess redis(dir.path() / "redis");
    RedisGate gate(redis.port());
    // One I/O thread for the stream and the probe; replay pages of 4 events.
    const std::vector<std::string> args{"--store", gate.url(), "--io-threads", "1", "--stream-queue-events", "8"};
    {
        ServerProcess first(dir.path(), args);
        json events = json::array();
        for (int i = 0; i < 12; ++i) events.push_back({{"data", {{"n", i}}}});
        REQUIRE(HttpClient(first.port()).post_json("/v1/topics/bulk/events", events).status == 202);
    }
    // A new server has none of it in memory: the replay is read from Redis, a page at a time.
    ServerProcess server(dir.path(), args);
    const std::string page_read = "\r\nXRANGE\r\n";
    gate.hold_next({page_read, "taskstream:events\r\n"});  // the first page, read as the stream opens

    boost::asio::io_context ioc;
    boost::asio::ip::tcp::socket stream(ioc);
    stream.connect({boost::asio::ip::make_address("127.0.0.1"), server.port()});
    const std::string open = "GET /v1/events?topic=bulk HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                             "Accept: text/event-stream\r\nLast-Event-ID: 0\r\n\r\n";
    boost::asio::write(stream, boost::asio::buffer(open));
    REQUIRE(gate.wait_held(10s));
    // The opening waits on the pool: the one I/O thread answers others meanwhile.
    CHECK(HttpClient(server.port()).get("/healthz").status == 200);
    auto seen = read_available(stream);
    CHECK(seen.bytes.empty());  // no answer yet: the stream starts once its first page is in
    CHECK_FALSE(seen.closed);

    gate.hold_next({page_read, "taskstream:events\r\n"});  // the second page, read once the first went out
    gate.release();
    REQUIRE(gate.wait_held(10s));
    CHECK(HttpClient(server.port()).get("/healthz").status == 200);
    auto more = read_available(stream);
    CHECK_FALSE(more.closed);  // still waiting for its page, not given up
    seen.bytes += more.bytes;
    gate.release();

    // Then the whole history, in order, once each.
    std::vector<int> numbers;
    std::uint64_t last_id = 0;
    bool ids_increase = true;
    taskstream::SseParser parser([&](const taskstream::SseEvent& e) {
        const auto id = std::stoull(e.id);
        ids_increase = ids_increase && id > last_id;
        last_id = id;
        numbers.push_back(json::parse(e.data)["n"].get<int>());
    });
    const auto body = seen.bytes.find("\r\n\r\n");
    REQUIRE(body != std::string::npos);
    CHECK(seen.bytes.rfind("HTTP/1.1 200", 0) == 0);
    parser.feed(std::string_view(seen.bytes).substr(body + 4));
    stream.non_blocking(false);
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (numbers.size() < 12 && std::chrono::steady_clock::now() < deadline) {
        auto chunk = read_available(stream);
        REQUIRE_FALSE(chunk.closed);
        parser.feed(chunk.bytes);
        if (chunk.bytes.empty()) {
            // Block for the next bytes, bounded by the server's heartbeat and the deadline above.
            char byte = 0;
            boost::asio::read(stream, boost::asio::buffer(&byte, 1));
            parser.feed(std::string_view(&byte, 1));
        }
    }
    std::vector<int> expected(12);
    for (int i = 0; i < 12; ++i) expected[static_cast<std::size_t>(i)] = i;
    CHECK(numbers == expected);
    CHECK(ids_increase);
}
