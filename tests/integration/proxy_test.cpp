// Behind a proxy: the client address comes from Forwarded / X-Forwarded-For
// only when the peer is a trusted proxy, so per-client limits count real
// clients; and the access log names the route, never a path, query or token.
#include <catch2/catch.hpp>

#include <sstream>

#include "http_client.hpp"
#include "server_process.hpp"

using namespace taskstream::testing;
using json = nlohmann::json;

namespace {

/// The status of a stream request that is expected to be refused (a refusal has a body that ends).
unsigned refused_status(unsigned short port, const Headers& headers) {
    HttpClient http(port);
    return http.request("GET", "/v1/events?topic=a", {}, headers, std::chrono::seconds(5)).status;
}

} // namespace

TEST_CASE("trusted proxies: the per-client stream limit counts the clients they name, not the proxy") {
    TempDir dir;
    ServerProcess server(dir.path(), {"--max-streams-per-ip", "2", "--trusted-proxies", "127.0.0.1/32,::1"});
    const Headers alice{{"X-Forwarded-For", "203.0.113.9, 127.0.0.1"}};  // a trusted hop on the chain is skipped
    std::vector<std::unique_ptr<SseStream>> open;
    for (int i = 0; i < 2; ++i) open.push_back(std::make_unique<SseStream>(server.port(), "/v1/events?topic=a", alice));
    CHECK(refused_status(server.port(), alice) == 429);
    // Another client behind the same proxy has streams of its own, named either way.
    SseStream bob(server.port(), "/v1/events?topic=a", Headers{{"X-Forwarded-For", "198.51.100.7"}});
    CHECK(bob.response().status == 200);
    SseStream carol(server.port(), "/v1/events?topic=a", Headers{{"Forwarded", "for=\"[2001:db8::1]:4711\";proto=https"}});
    CHECK(carol.response().status == 200);
    // A client cannot forge its way past the limit: the left-most, client-written entry is not believed.
    CHECK(refused_status(server.port(), {{"X-Forwarded-For", "192.0.2.1, 203.0.113.9"}}) == 429);
}

TEST_CASE("untrusted peers: Forwarded and X-Forwarded-For are ignored - the peer is the client") {
    TempDir dir;
    ServerProcess server(dir.path(), {"--max-streams-per-ip", "1"});
    SseStream first(server.port(), "/v1/events?topic=a", Headers{{"X-Forwarded-For", "203.0.113.1"}});
    REQUIRE(first.response().status == 200);
    CHECK(refused_status(server.port(), {{"X-Forwarded-For", "203.0.113.2"}}) == 429);
    CHECK(refused_status(server.port(), {{"Forwarded", "for=203.0.113.3"}}) == 429);
}

TEST_CASE("access log: one line per request with client, method, route template, status, duration and bytes - no secrets") {
    TempDir dir;
    ServerProcess server(dir.path(), {"--access-log", "--log-level", "warn", "--trusted-proxies", "127.0.0.1"});
    HttpClient http(server.port());
    auto id = create_task(http, {{"kind", "demo.countdown"}, {"params", {{"steps", 1}, {"interval_ms", 0}}}})["id"]
                  .get<std::string>();
    auto got = http.request("GET", "/v1/tasks/" + id + "?ticket=SECRET-TICKET", {},
                            {{"Authorization", "Bearer SECRET-TOKEN"}, {"Cookie", "session=SECRET-COOKIE"},
                             {"X-Forwarded-For", "203.0.113.5"}});
    REQUIRE(got.status == 200);
    REQUIRE(http.get("/no/such/thing").status == 404);
    REQUIRE(server.wait_for_log("GET (unmatched) 404", std::chrono::seconds(5)));
    const auto log = server.log();
    INFO(log);
    CHECK(log.find("access 203.0.113.5 GET /v1/tasks/{id} 200 ") != std::string::npos);
    CHECK(log.find("access 127.0.0.1 POST /v1/tasks 202 ") != std::string::npos);
    for (const auto& secret : {std::string("SECRET"), id, std::string("ticket=")}) CHECK(log.find(secret) == std::string::npos);
}

TEST_CASE("access log in --log-format json: one object per request, and off without --access-log") {
    TempDir dir;
    ServerProcess server(dir.path(), {"--access-log", "--log-format", "json"});
    HttpClient http(server.port());
    REQUIRE(http.get("/v1/kinds").status == 200);
    REQUIRE(server.wait_for_log("\"log\":\"access\"", std::chrono::seconds(5)));
    json line;
    std::istringstream lines(server.log());
    for (std::string text; std::getline(lines, text);)
        if (text.find("\"log\":\"access\"") != std::string::npos) line = json::parse(text);
    CHECK(line["method"] == "GET");
    CHECK(line["route"] == "/v1/kinds");
    CHECK(line["status"] == 200);
    CHECK(line["client"] == "127.0.0.1");
    CHECK(line["bytes"].get<int>() > 0);
    CHECK(line["duration_ms"].is_number());
    CHECK(line.contains("ts"));

    TempDir quiet_dir;
    ServerProcess quiet(quiet_dir.path(), {"--log-level", "debug"});
    HttpClient q(quiet.port());
    REQUIRE(q.get("/v1/kinds").status == 200);
    REQUIRE(q.get("/healthz").status == 200);
    CHECK(quiet.log().find("access") == std::string::npos);
}
