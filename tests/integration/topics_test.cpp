// Producers and multiplexed streams on the real binary: order and resume over
// a union of topics, the subscribe/replay race, slow readers, injection, limits.
#include <catch2/catch.hpp>

#include <sys/socket.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <condition_variable>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <random>
#include <set>
#include <thread>

#include "http_client.hpp"
#include "server_process.hpp"

using namespace taskstream::testing;
using json = nlohmann::json;

namespace {

/// Publishes `count` events to `topic` one by one; returns their ids.
std::vector<std::string> publish(unsigned short port, const std::string& topic, int count, const std::string& tag) {
    HttpClient http(port);
    std::vector<std::string> ids;
    for (int i = 0; i < count; ++i) {
        auto r = http.post_json("/v1/topics/" + topic + "/events", {{"type", "tick"}, {"data", {{"n", i}, {"tag", tag}}}});
        REQUIRE(r.status == 202);
        ids.push_back(r.json()["ids"][0]);
    }
    return ids;
}

} // namespace

TEST_CASE("producers publish - one multiplexed stream resumes across the union exactly once and in order") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    auto marker = http.post_json("/v1/topics/start/events", {{"data", "go"}});
    REQUIRE(marker.status == 202);
    const std::string from = marker.json()["ids"][0];

    std::vector<std::vector<std::string>> published(3);
    std::vector<std::thread> producers;
    for (int p = 0; p < 3; ++p)
        producers.emplace_back([&, p] { published[p] = publish(server.port(), "p/" + std::to_string(p), 150, "x"); });
    auto task = http.post_json("/v1/tasks", {{"kind", "demo.countdown"}, {"params", {{"steps", 20}, {"interval_ms", 5}}}});
    for (auto& t : producers) t.join();
    std::set<std::string> expected;
    for (const auto& ids : published) expected.insert(ids.begin(), ids.end());

    // Read the union in pieces, reconnecting with the last id each time.
    const std::string target = "/v1/events?topic=p/*&topic=tasks/*";
    std::vector<SseEvent> got;
    std::string last = from;
    std::mt19937 rng(3);
    std::size_t producer_events = 0;
    for (int round = 0; producer_events < expected.size(); ++round) {
        REQUIRE(round < 50);
        SseStream stream(server.port(), target, {{"Last-Event-ID", last}});
        const int take = std::uniform_int_distribution<int>(20, 200)(rng);
        for (int i = 0; i < take && producer_events < expected.size(); ++i) {
            auto e = stream.next();
            REQUIRE(e);
            got.push_back(*e);
            producer_events += e->type == "tick";
            last = e->id;
        }
    }
    std::set<std::string> seen;
    for (std::size_t i = 0; i < got.size(); ++i) {
        REQUIRE(seen.insert(got[i].id).second);
        if (i > 0) REQUIRE(got[i].id > got[i - 1].id);
    }
    for (const auto& id : expected) CHECK(seen.count(id) == 1);
    CHECK(std::any_of(got.begin(), got.end(), [](const auto& e) { return e.type == "progress"; }));
    CHECK(task.status == 202);
}

TEST_CASE("readers that connect with an id while events keep coming miss none of them") {
    TempDir dir;
    ServerProcess server(dir.path());
    std::vector<std::string> ids;
    std::thread producer([&] { ids = publish(server.port(), "race", 600, "r"); });
    // Each reader starts from an id it just learned by publishing itself.
    std::vector<std::pair<std::string, std::vector<SseEvent>>> readers;
    HttpClient http(server.port());
    for (int r = 0; r < 10; ++r) {
        const std::string start = http.post_json("/v1/topics/race-mark/events", {{"data", r}}).json()["ids"][0];
        SseStream stream(server.port(), "/v1/events?topic=race", {{"Last-Event-ID", start}});
        std::vector<SseEvent> events;
        for (int i = 0; i < 20; ++i) events.push_back(*stream.next());
        readers.emplace_back(start, std::move(events));
    }
    producer.join();
    for (const auto& [start, events] : readers) {
        // The first 20 ids after `start` among everything published to "race".
        std::vector<std::string> want;
        for (const auto& id : ids)
            if (id > start && want.size() < 20) want.push_back(id);
        std::vector<std::string> have;
        for (const auto& e : events) have.push_back(e.id);
        CHECK(have == want);
    }
}

/// Readers of one stream on a thread of their own, each recording the ids it got.
class ReaderGroup {
public:
    ReaderGroup(unsigned short port, const std::string& target, int count) : got_(count) {
        for (int i = 0; i < count; ++i)
            boost::asio::co_spawn(ioc_, read(port, target, i), boost::asio::detached);
        thread_ = std::thread([this] { ioc_.run_for(std::chrono::seconds(120)); });
    }
    ~ReaderGroup() {
        ioc_.stop();
        thread_.join();
    }
    /// Waits until every reader has `n` events (bounded); false on timeout.
    bool wait_all(std::size_t n) {
        std::unique_lock lock(mutex_);
        return grew_.wait_for(lock, std::chrono::seconds(30), [&] {
            return std::all_of(got_.begin(), got_.end(), [&](const auto& ids) { return ids.size() >= n; });
        });
    }
    std::vector<std::vector<std::string>> ids() {
        std::lock_guard lock(mutex_);
        return got_;
    }

private:
    boost::asio::awaitable<void> read(unsigned short port, std::string target, int index) {
        try {
            boost::asio::ip::tcp::socket socket(ioc_);
            co_await socket.async_connect({boost::asio::ip::make_address("127.0.0.1"), port}, boost::asio::use_awaitable);
            const std::string request = "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n";
            co_await boost::asio::async_write(socket, boost::asio::buffer(request), boost::asio::use_awaitable);
            bool head_done = false;
            std::string head;
            SseParser parser([&](const SseEvent& e) {
                std::lock_guard lock(mutex_);
                got_[index].push_back(e.id);
                grew_.notify_all();
            });
            std::string chunk(65536, '\0');
            for (;;) {
                auto n = co_await socket.async_read_some(boost::asio::buffer(chunk), boost::asio::use_awaitable);
                std::string_view bytes(chunk.data(), n);
                if (!head_done) {
                    head.append(bytes);
                    auto end = head.find("\r\n\r\n");
                    if (end == std::string::npos) continue;
                    head_done = true;
                    bytes = std::string_view(head).substr(end + 4);
                }
                parser.feed(bytes);
            }
        } catch (const std::exception&) {
            // closed: what it got is in got_
        }
    }

    boost::asio::io_context ioc_;
    std::thread thread_;
    std::mutex mutex_;
    std::condition_variable grew_;
    std::vector<std::vector<std::string>> got_;
};

TEST_CASE("a reader that stops reading is cut off while 100 others get every event") {
    TempDir dir;
    ServerProcess server(dir.path(), {"--max-streams-per-ip", "200"});
    boost::asio::io_context ioc;
    auto stalled = open_stalled_stream(ioc, server.port(), "/v1/events?topic=flood");

    HttpClient http(server.port());
    // Readers resume after a marker, so that none misses an event however late it connects.
    const std::string marker = http.post_json("/v1/topics/marker/events", {{"data", 0}}).json()["ids"][0];
    ReaderGroup readers(server.port(), "/v1/events?topic=flood&last_event_id=" + marker, 100);
    const std::string payload(2000, 'x');
    json batch = json::array();
    for (int i = 0; i < 100; ++i) batch.push_back({{"data", payload}});
    std::vector<std::string> ids;
    // 4000 events of 2 KB: past what the kernel buffers (the stream socket's 128 KiB send buffer and the reader's) plus the stalled reader's bound (1 MiB); the others keep
    // up because each batch waits until they all have it.
    for (int b = 0; b < 40; ++b) {
        auto r = http.post_json("/v1/topics/flood/events", batch);
        REQUIRE(r.status == 202);
        const auto answer = r.json();
        for (const auto& id : answer["ids"]) ids.push_back(id);
        REQUIRE(readers.wait_all(ids.size()));
    }
    for (const auto& got : readers.ids()) CHECK(got == ids);
    // The stalled connection was closed by the server: reading it now ends in EOF.
    std::string drained;
    const auto ec = read_until_closed(stalled, drained);
    CHECK((ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset));
    CHECK(drained.size() < ids.size() * payload.size());
    // Only the log tells which rule closed it: the queue bound, not a stalled write.
    CHECK(server.log().find("fell behind") != std::string::npos);
}

TEST_CASE("no event or header injection through topics - types or data") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    CHECK(http.post_json("/v1/topics/news/events", {{"type", "x\r\nevent: evil"}, {"data", 1}}).status == 400);
    CHECK(http.post_json("/v1/topics/news/events", {{"type", std::string("x\0y", 3)}, {"data", 1}}).status == 400);
    CHECK(http.post_json("/v1/topics/news%0D%0AX-Evil:%201/events", {{"data", 1}}).status == 400);
    CHECK(http.post_json("/v1/topics/tasks/01M89A8M2AEA98N07X21TV6J82/events", {{"data", 1}}).status == 400);
    CHECK(http.get("/v1/events?topic=a%0Ab").status == 400);

    const std::string evil = "line\n\nid: 9999999999999999\nevent: state\ndata: {\"state\":\"succeeded\"}\r\n";
    auto r = http.post_json("/v1/topics/news/events", {{"type", "note"}, {"data", evil}});
    REQUIRE(r.status == 202);
    SseStream stream(server.port(), "/v1/events?topic=news", {{"Last-Event-ID", "0"}});
    auto e = stream.next();
    REQUIRE(e);
    CHECK(e->id == r.json()["ids"][0]);
    CHECK(e->type == "note");
    CHECK(e->data == "line\n\nid: 9999999999999999\nevent: state\ndata: {\"state\":\"succeeded\"}\n");
}

TEST_CASE("stream limits: per client address 429 with Retry-After - 33 topics 400") {
    TempDir dir;
    ServerProcess server(dir.path(), {"--max-streams-per-ip", "2"});
    SseStream first(server.port(), "/v1/events?topic=a");
    SseStream second(server.port(), "/v1/events?topic=a");
    CHECK(first.response().status == 200);
    CHECK(second.response().status == 200);
    HttpClient http(server.port());
    auto third = http.get("/v1/events?topic=a");
    CHECK(third.status == 429);
    CHECK(third.header("retry-after") == "1");
    std::string many = "/v1/events?";
    for (int i = 0; i < 33; ++i) many += "topic=t" + std::to_string(i) + "&";
    CHECK(http.get(many).status == 400);
    CHECK(http.get("/v1/events?topic=" + std::string(256, 'x')).status == 400);
}

TEST_CASE("ack=published answers with ids before the commit - in order with durable publishes, kept across a restart") {
    TempDir dir;
    std::vector<std::string> ids;
    {
        ServerProcess server(dir.path());
        HttpClient http(server.port());
        // An unknown mode is refused and publishes nothing.
        auto bad = http.post_json("/v1/topics/fast/events?ack=maybe", {{"data", "no"}});
        CHECK(bad.status == 400);
        CHECK(bad.json()["detail"] == "ack must be committed or published");
        SseStream live(server.port(), "/v1/events?topic=fast");
        for (int i = 0; i < 30; ++i) {
            const std::string target = i % 3 == 0 ? "/v1/topics/fast/events" : "/v1/topics/fast/events?ack=published";
            auto r = i % 5 == 0 ? http.post_json(target, json::array({{{"data", i}}, {{"data", i + 100}}}))
                                : http.post_json(target, {{"data", i}});
            REQUIRE(r.status == 202);
            const auto answer = r.json();
            for (const auto& id : answer["ids"]) ids.push_back(id);
        }
        REQUIRE(ids.size() == 36);
        CHECK(std::is_sorted(ids.begin(), ids.end()));
        CHECK(std::adjacent_find(ids.begin(), ids.end()) == ids.end());
        // Readers get them live, in the order of their ids.
        for (const auto& id : ids) {
            auto e = live.next();
            REQUIRE(e);
            CHECK(e->id == id);
        }
    }  // a clean stop commits what the group commit still held
    ServerProcess again(dir.path());
    SseStream replay(again.port(), "/v1/events?topic=fast", {{"Last-Event-ID", "0"}});
    for (const auto& id : ids) {
        auto e = replay.next();
        REQUIRE(e);
        CHECK(e->id == id);
    }
}
