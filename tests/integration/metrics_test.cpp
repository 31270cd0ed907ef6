// GET /metrics: the Prometheus text format, and values that move as tasks run
// and streams open (promtool's own check runs in metrics_promtool.sh).
#include <catch2/catch.hpp>

#include <regex>
#include <sstream>
#include <thread>

#include "http_client.hpp"
#include "server_process.hpp"

using namespace taskstream::testing;
using json = nlohmann::json;

namespace {

/// The value of the sample `series` (name with its labels as written), or -1 when absent.
double sample(const std::string& text, const std::string& series) {
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);)
        if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
    return -1;
}

std::string scrape(unsigned short port) {
    HttpClient http(port);
    auto res = http.get("/metrics");
    REQUIRE(res.status == 200);
    CHECK(res.header("content-type") == "text/plain; version=0.0.4; charset=utf-8");
    return res.body;
}

/// Scrapes until `series` has `value` (at most `timeout`; polled, as a Prometheus server would).
bool wait_for_sample(unsigned short port, const std::string& series, double value, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (sample(scrape(port), series) == value) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

} // namespace

TEST_CASE("metrics: tasks, events, streams, requests and latencies move as the server works") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    const auto before = scrape(server.port());
    CHECK(sample(before, "taskstream_streams_open") == 0);
    CHECK(sample(before, "taskstream_queue_depth") == 0);
    CHECK(sample(before, R"(taskstream_workers{state="idle"})") == 4);
    CHECK(std::regex_search(before, std::regex(R"(taskstream_build_info\{version="\d+\.\d+\.\d+",commit="\w+"\} 1)")));
    CHECK(sample(before, "process_resident_memory_bytes") > 1e6);

    {
        // A live reader of every task, so that the task events are delivered and written.
        SseStream all(server.port(), "/v1/events?topic=tasks/*");
        REQUIRE(all.response().status == 200);
        CHECK(sample(scrape(server.port()), "taskstream_streams_open") == 1);
        std::vector<std::string> ids;
        for (int i = 0; i < 3; ++i)
            ids.push_back(create_task(http, {{"kind", "demo.countdown"}, {"params", {{"steps", 4}, {"interval_ms", 5}}}})["id"]);
        for (const auto& id : ids) task_events(server.port(), id, std::chrono::seconds(20));
        int terminal = 0;
        while (terminal < 3) {
            auto e = all.next();
            REQUIRE(e);
            if (e->type == "state" && json::parse(e->data)["state"] == "succeeded") ++terminal;
        }
    }
    REQUIRE(http.get("/v1/tasks/01AAAAAAAAAAAAAAAAAAAAAAAA").status == 404);
    const auto after = scrape(server.port());
    CHECK(sample(after, R"(taskstream_tasks_finished_total{kind="demo.countdown",state="succeeded"})") == 3);
    CHECK(sample(after, R"(taskstream_task_duration_seconds_count{kind="demo.countdown"})") == 3);
    CHECK(sample(after, R"(taskstream_http_requests_total{method="POST",route="/v1/tasks",status="202"})") == 3);
    CHECK(sample(after, R"(taskstream_http_requests_total{method="GET",route="/v1/tasks/{id}",status="404"})") == 1);
    // 3 tasks × (queued, running, 4 progress, succeeded)
    CHECK(sample(after, "taskstream_events_published_total") >= 21);
    CHECK(sample(after, "taskstream_events_delivered_total") >= 21);  // at least the multiplexed reader got each live
    CHECK(sample(after, "taskstream_publish_to_write_seconds_count") > 0);
    CHECK(sample(after, R"(taskstream_publish_to_write_seconds_bucket{le="+Inf"})") ==
          sample(after, "taskstream_publish_to_write_seconds_count"));
    CHECK(sample(after, "taskstream_store_commit_seconds_count") > 0);
    CHECK(sample(after, R"(taskstream_tasks{kind="demo.countdown",state="running"})") == -1);  // nothing left unfinished
}

TEST_CASE("metrics: unfinished tasks by kind and state, and the queue, while the executor is paused") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    REQUIRE(http.request("POST", "/v1/admin/pause").status == 200);
    for (int i = 0; i < 5; ++i) create_task(http, {{"kind", "demo.countdown"}, {"params", {{"steps", 1}}}});
    const auto text = scrape(server.port());
    CHECK(sample(text, R"(taskstream_tasks{kind="demo.countdown",state="queued"})") == 5);
    CHECK(sample(text, "taskstream_queue_depth") == 5);
    CHECK(sample(text, "taskstream_paused") == 1);
    CHECK(sample(text, R"(taskstream_kind_paused{kind="demo.noop"})") == 0);
    REQUIRE(http.request("POST", "/v1/kinds/demo.noop/pause").status == 200);
    CHECK(sample(scrape(server.port()), R"(taskstream_kind_paused{kind="demo.noop"})") == 1);
}

TEST_CASE("metrics: a slow reader's merged progress ticks and its cut-off are counted") {
    TempDir dir;
    // A tiny queue and socket buffer: a reader that does not read falls behind at once.
    ServerProcess server(dir.path(), {"--stream-queue-events", "4", "--stream-send-buffer", "4096"});
    HttpClient http(server.port());
    boost::asio::io_context ioc;
    // Paused until the stalled reader is attached, so that it gets the progress live (not as a replay).
    REQUIRE(http.request("POST", "/v1/admin/pause").status == 200);
    auto id = create_task(http, {{"kind", "demo.countdown"}, {"params", {{"steps", 3000}, {"interval_ms", 0}}}})["id"]
                  .get<std::string>();
    auto stalled_task = open_stalled_stream(ioc, server.port(), "/v1/tasks/" + id + "/events");
    REQUIRE(wait_for_sample(server.port(), "taskstream_streams_open", 1, std::chrono::seconds(10)));
    REQUIRE(http.request("POST", "/v1/admin/resume").status == 200);
    task_events(server.port(), id, std::chrono::seconds(60));
    // Producer events are never merged: past the bound the reader is cut off.
    auto stalled_topic = open_stalled_stream(ioc, server.port(), "/v1/events?topic=flood");
    json batch = json::array();
    for (int i = 0; i < 100; ++i) batch.push_back({{"data", std::string(2000, 'x')}});
    for (int b = 0; b < 10; ++b) REQUIRE(http.post_json("/v1/topics/flood/events", batch).status == 202);
    REQUIRE(server.wait_for_log("fell behind", std::chrono::seconds(10)));
    const auto text = scrape(server.port());
    CHECK(sample(text, "taskstream_stream_progress_merged_total") > 0);
    CHECK(sample(text, R"(taskstream_stream_cutoffs_total{reason="slow_reader"})") >= 1);
}
