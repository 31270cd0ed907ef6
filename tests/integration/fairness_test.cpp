// Priorities with aging: low-priority work finishes while high-priority work keeps arriving.
#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_future.hpp>

#include "http_client.hpp"
#include "server_process.hpp"

using namespace taskstream::testing;
using json = nlohmann::json;
namespace asio = boost::asio;

namespace {

/// Reads every target to its end, concurrently; returns the last event of each.
asio::awaitable<std::vector<SseEvent>> last_events(unsigned short port, std::vector<std::string> targets) {
    auto executor = co_await asio::this_coro::executor;
    std::vector<SseEvent> last(targets.size());
    std::size_t remaining = targets.size();
    std::exception_ptr failure;
    asio::steady_timer all_done(executor, asio::steady_timer::time_point::max());
    for (std::size_t i = 0; i < targets.size(); ++i)
        asio::co_spawn(executor, read_stream(port, targets[i]), [&, i](std::exception_ptr e, std::vector<SseEvent> ev) {
            if (e) failure = e;
            else if (!ev.empty()) last[i] = ev.back();
            if (--remaining == 0) all_done.cancel();
        });
    boost::system::error_code ec;
    co_await all_done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (failure) std::rethrow_exception(failure);
    co_return last;
}

} // namespace

TEST_CASE("200 low-priority tasks all finish while a stream of high-priority tasks keeps the workers busy") {
    TempDir dir;
    ServerProcess server(dir.path(), {"--workers", "2", "--aging-ms", "1", "--log-level", "warn", "--max-streams-per-ip", "1000"});
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
    auto done = asio::co_spawn(ioc, last_events(server.port(), low), asio::use_future);
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
    auto last = done.get();
    for (const auto& e : last) CHECK(json::parse(e.data)["state"] == "succeeded");
    server.kill9();  // thousands of queued high-priority tasks need not drain
}
