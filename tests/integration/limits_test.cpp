// Limits and timeouts of the HTTP layer, on the real binary.
#include <catch2/catch.hpp>

#include <boost/asio/read_until.hpp>

#include "http_client.hpp"
#include "server_process.hpp"

using namespace taskstream::testing;

TEST_CASE("a request head that does not arrive in time is answered 408") {
    TempDir dir;
    ServerProcess server(dir.path(), {"--header-timeout", "300ms"});
    auto reply = raw_exchange(server.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n", std::chrono::seconds(10));
    CHECK(reply.rfind("HTTP/1.1 408", 0) == 0);
    CHECK(reply.find("application/problem+json") != std::string::npos);
}

TEST_CASE("oversized headers are 431 - an oversized body 413 - garbage 400") {
    TempDir dir;
    ServerProcess server(dir.path());
    auto big_header = raw_exchange(server.port(),
                                   "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(9000, 'a') + "\r\n\r\n",
                                   std::chrono::seconds(10));
    CHECK(big_header.rfind("HTTP/1.1 431", 0) == 0);
    auto big_body = raw_exchange(server.port(),
                                 "POST /v1/tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                 "Content-Length: 2000000\r\n\r\n{",
                                 std::chrono::seconds(10));
    CHECK(big_body.rfind("HTTP/1.1 413", 0) == 0);
    auto garbage = raw_exchange(server.port(), "HELLO\r\n\r\n", std::chrono::seconds(10));
    CHECK(garbage.rfind("HTTP/1.1 400", 0) == 0);
}

TEST_CASE("an idle keep-alive connection is closed after the idle timeout - requests reuse it before") {
    TempDir dir;
    ServerProcess server(dir.path(), {"--idle-timeout", "300ms"});
    // Two requests on one connection, then silence: the server closes it.
    auto reply = raw_exchange(server.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
                              std::chrono::seconds(10));
    std::size_t count = 0;
    for (auto pos = reply.find("HTTP/1.1 200"); pos != std::string::npos; pos = reply.find("HTTP/1.1 200", pos + 1)) ++count;
    CHECK(count == 2);
}

TEST_CASE("an idle event stream gets heartbeat comments") {
    TempDir dir;
    ServerProcess server(dir.path(), {"--heartbeat", "100ms"});
    HttpClient http(server.port());
    auto id = http.post_json("/v1/tasks", {{"kind", "demo.countdown"}, {"params", {{"steps", 1}, {"interval_ms", 1500}}}})
                  .json()["id"].get<std::string>();
    SseStream stream(server.port(), "/v1/tasks/" + id + "/events");
    auto events = stream.read_to_end();
    CHECK(stream.parser().comments() >= 3);
    CHECK(nlohmann::json::parse(events.back().data)["state"] == "succeeded");
}

TEST_CASE("at the connection limit: plain requests get 503 - a new stream a clean end with a retry hint") {
    TempDir dir;
    ServerProcess server(dir.path(), {"--max-connections", "2"});
    HttpClient first(server.port()), second(server.port());
    REQUIRE(first.get("/healthz").status == 200);   // two keep-alive connections held open
    REQUIRE(second.get("/healthz").status == 200);
    auto refused = raw_exchange(server.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", std::chrono::seconds(10));
    CHECK(refused.rfind("HTTP/1.1 503", 0) == 0);
    CHECK(refused.find("Retry-After: 1") != std::string::npos);
    auto stream = raw_exchange(server.port(), "GET /v1/events?topic=a HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n",
                               std::chrono::seconds(10));
    CHECK(stream.rfind("HTTP/1.1 200", 0) == 0);
    CHECK(stream.find("text/event-stream") != std::string::npos);
    CHECK(stream.find("retry: ") != std::string::npos);
    CHECK(stream.find("data:") == std::string::npos);
    // Every stream route, whatever the Accept header: a task's stream without one too.
    auto plain = raw_exchange(server.port(), "GET /v1/tasks/01AAAAAAAAAAAAAAAAAAAAAAAA/events HTTP/1.1\r\nHost: x\r\n\r\n",
                              std::chrono::seconds(10));
    CHECK(plain.rfind("HTTP/1.1 200", 0) == 0);
    CHECK(plain.find("retry: ") != std::string::npos);
    auto multiplexed = raw_exchange(server.port(), "GET /v1/events?topic=a HTTP/1.1\r\nHost: x\r\n\r\n", std::chrono::seconds(10));
    CHECK(multiplexed.find("retry: ") != std::string::npos);
}

TEST_CASE("a stream the client closes is ended at once - its per-client slot is free again") {
    TempDir dir;
    ServerProcess server(dir.path(), {"--max-streams-per-ip", "1", "--log-level", "debug"});
    {
        SseStream first(server.port(), "/v1/events?topic=a");
        REQUIRE(first.response().status == 200);
    }  // closed here; the next heartbeat is 15 s away
    REQUIRE(server.wait_for_log("the client closed its stream", std::chrono::seconds(5)));
    SseStream second(server.port(), "/v1/events?topic=a");
    CHECK(second.response().status == 200);
}

TEST_CASE("a stream whose write makes no progress for the write timeout is closed") {
    TempDir dir;
    // Queue bounds far above what is published: only the stalled write can end this stream.
    ServerProcess server(dir.path(), {"--write-timeout", "300ms", "--stream-queue-events", "1000000",
                                      "--stream-queue-bytes", "1000000000"});
    boost::asio::io_context ioc;
    auto stalled = open_stalled_stream(ioc, server.port(), "/v1/events?topic=big");
    std::string head;
    boost::asio::read_until(stalled, boost::asio::dynamic_buffer(head), "\r\n\r\n");
    REQUIRE(head.rfind("HTTP/1.1 200", 0) == 0);

    // 12 MB in events of 60 KB: more than the kernel buffers between the two ends.
    HttpClient http(server.port());
    nlohmann::json batch = nlohmann::json::array();
    for (int i = 0; i < 10; ++i) batch.push_back({{"data", std::string(60000, 'x')}});
    for (int b = 0; b < 20; ++b) REQUIRE(http.post_json("/v1/topics/big/events", batch).status == 202);

    REQUIRE(server.wait_for_log("closing a stalled stream", std::chrono::seconds(10)));
    // Only the log tells which rule closed it: the stall, not the queue bound.
    CHECK(server.log().find("fell behind") == std::string::npos);
    // What the kernel still held arrives, then the end.
    std::string drained;
    const auto ec = read_until_closed(stalled, drained);
    CHECK((ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset));
    CHECK(drained.size() < 200u * 60000u);
    CHECK(http.get("/healthz").status == 200);
}
