// Reconnecting with Last-Event-ID: exactly the rest, 204 after the end, 400/404 for bad input.
#include <catch2/catch.hpp>

#include "http_client.hpp"
#include "server_process.hpp"

using namespace taskstream::testing;
using json = nlohmann::json;

namespace {

std::string start_countdown(HttpClient& http, int steps, int interval_ms) {
    return create_task(http, {{"kind", "demo.countdown"}, {"params", {{"steps", steps}, {"interval_ms", interval_ms}}}})["id"];
}

std::vector<std::string> ids_of(const std::vector<SseEvent>& events) {
    std::vector<std::string> out;
    for (const auto& e : events) out.push_back(e.id);
    return out;
}

} // namespace

TEST_CASE("reconnect with Last-Event-ID from the middle gets exactly the rest - live and from history") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    const auto id = start_countdown(http, 20, 25);
    const auto target = "/v1/tasks/" + id + "/events";

    // Read a few events live, drop the connection, resume while the task still runs.
    std::vector<SseEvent> first;
    {
        SseStream stream(server.port(), target);
        for (int i = 0; i < 6; ++i) first.push_back(*stream.next());
    }
    SseStream resumed(server.port(), target, {{"Last-Event-ID", first.back().id}});
    auto rest = resumed.read_to_end();
    auto all = first;
    all.insert(all.end(), rest.begin(), rest.end());

    auto full = SseStream(server.port(), target).read_to_end();
    CHECK(ids_of(all) == ids_of(full));
    REQUIRE(full.size() == 3 + 20 + 1);

    // From history, with the query parameter instead of the header, from every position.
    for (std::size_t cut = 0; cut < full.size(); ++cut) {
        auto tail = SseStream(server.port(), target + "?last_event_id=" + full[cut].id);
        if (cut + 1 == full.size()) {
            CHECK(tail.response().status == 204);  // the client has the terminal event: stop
            continue;
        }
        auto got = tail.read_to_end();
        REQUIRE(ids_of(got) == ids_of(std::vector<SseEvent>(full.begin() + static_cast<long>(cut) + 1, full.end())));
    }
}

TEST_CASE("stream errors: malformed Last-Event-ID is 400 - unknown task 404 - both as problems") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    const auto id = start_countdown(http, 1, 0);
    for (const auto& bad : {"abc", "-1", "1 2", "99999999999999999999999"}) {
        auto r = http.get("/v1/tasks/" + id + "/events", {{"Last-Event-ID", bad}});
        CHECK(r.status == 400);
        CHECK(r.header("content-type") == "application/problem+json");
    }
    auto missing = http.get("/v1/tasks/01M89A8M2AEA98N07X21TV6J8Z/events");
    CHECK(missing.status == 404);
    CHECK(missing.json()["status"] == 404);
    CHECK(http.get("/v1/tasks/not-an-id/events").status == 404);
}
