// Priorities with aging: low-priority work finishes while high-priority work keeps arriving.
#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>

#include "http_client.hpp"
#include "server_process.hpp"

using namespace taskstream::testing;
using json = nlohmann::json;
namespace asio = boost::asio;


TEST_CASE("200 low-priority tasks all finish while a stream of high-priority tasks keeps the workers busy") {
    TempDir dir;
    ServerProcess server(dir.path(), {"--workers", "2", "--aging", "1ms", "--log-level", "warn", "--max-streams-per-ip", "1000"});
    HttpClient http(server.port());
    REQUIRE(http.request("POST", "/v1/admin/pause").status == 200);  // everything below queues up first
    std::vector<std::string> low;
    for (int i = 0; i < 200; ++i) {
        auto r = http.post_json("/v1/tasks", {{"kind", "demo.countdown"}, {"priority", -100},
                                              {"params", {{"steps", 1}, {"interval_ms", 0}}}});
        REQUIRE(r.status == 202);
        low.push_back("/v1/tasks/" + r.json()["id"].get<std::string>() + "/events");
    }
    asio::io_context ioc;
    auto done = asio::co_spawn(ioc, read_streams(server.port(), low), asio::use_future);
    std::thread reader([&] { ioc.run_for(std::chrono::seconds(120)); });
    auto submit_high = [&] {
        REQUIRE(http.post_json("/v1/tasks", {{"kind", "demo.countdown"}, {"priority", 100},
                                             {"params", {{"steps", 1}, {"interval_ms", 5}}}})
                    .status == 202);
    };
    for (int i = 0; i < 50; ++i) submit_high();
    REQUIRE(http.request("POST", "/v1/admin/resume").status == 200);
    // High-priority work arrives faster than two workers finish it (5 ms each), so
    // without aging no low-priority task would start before the submissions stop.
    // With aging a low-priority task outranks the high ones that came 200 ms after it.
    constexpr int kHighCap = 20000;
    int high = 50;
    for (; done.wait_for(std::chrono::seconds(0)) != std::future_status::ready && high < kHighCap; ++high) submit_high();
    reader.join();
    INFO("high-priority tasks submitted: " << high);
    CHECK(high < kHighCap);  // the low ones finished while high-priority work was still arriving
    for (const auto& events : done.get()) {
        REQUIRE_FALSE(events.empty());
        CHECK(json::parse(events.back().data)["state"] == "succeeded");
    }
    server.kill9();  // thousands of queued high-priority tasks need not drain
}
