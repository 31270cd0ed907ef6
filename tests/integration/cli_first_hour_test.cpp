// The command line as a newcomer meets it: a mistyped id, what cancel says, the
// time a replayed line carries, text from a task or a producer that tries to act on
// the terminal, and the commands that look into one task or the queue.
#include <catch2/catch.hpp>

#include <regex>

#include "cli_process.hpp"
#include "core/clock.hpp"
#include "http_client.hpp"
#include "server_process.hpp"
#include "terminal_screen.hpp"

using namespace taskstream::testing;
using json = nlohmann::json;
using Output = CliProcess::Output;

namespace {

/// Waits (on its stream) until the task has reported progress: it is running.
void wait_running(unsigned short port, const std::string& id) {
    SseStream stream(port, "/v1/tasks/" + id + "/events");
    for (auto e = stream.next(); e; e = stream.next())
        if (e->type == "progress") return;
    FAIL("the task's stream ended before any progress");
}

} // namespace

TEST_CASE("cli screen: the emulator keeps what a terminal keeps") {
    CHECK(screen_of("a\r\nbar 1\r\n\x1b[1F\x1b[2Kbar 2\r\n") == std::vector<std::string>{"a", "bar 2", ""});
    CHECK(screen_of("hint\r\n\x1b[1F\x1b[J") == std::vector<std::string>{""});
}

TEST_CASE("cli watch: a mistyped id says it is watched as a topic, not a blank screen") {
    TempDir dir;
    ServerProcess server(dir.path());
    CliProcess watch({"watch", "01M8T1C3ST9M9DQBQ40B7BDQF"}, Output::terminal, server.port());  // 25 characters
    REQUIRE(watch.wait_for_output("watching topic 01M8T1C3ST9M9DQBQ40B7BDQF live (not a task id",
                                  std::chrono::seconds(20)));
    watch.interrupt();
    CHECK(watch.wait_exit(std::chrono::seconds(10)) == 130);
}

TEST_CASE("cli cancel: a running task is 'cancelling', not the state it is leaving") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    const std::string id = create_task(http, {{"kind", "demo.countdown"}, {"params", {{"steps", 1000}, {"interval_ms", 50}}}})["id"];
    wait_running(server.port(), id);
    CliProcess cancel({"cancel", id}, Output::terminal, server.port());
    CHECK(cancel.wait_exit(std::chrono::seconds(20)) == 0);
    CHECK(screen_of(cancel.output()).front() == id + " cancelling");
    CHECK(task_events(server.port(), id).back().data.find("\"state\":\"cancelled\"") != std::string::npos);
}

TEST_CASE("cli watch of a finished task: each replayed line carries the time its event happened") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    const std::string id = create_task(http, {{"kind", "demo.countdown"}, {"params", {{"steps", 3}, {"interval_ms", 20}}}})["id"];
    task_events(server.port(), id);  // to its end
    const auto task = http.get("/v1/tasks/" + id).json();
    CliProcess watch({"watch", id}, Output::pipe, server.port());
    CHECK(watch.wait_exit(std::chrono::seconds(20)) == 0);
    const auto out = watch.output();
    INFO(out);
    CHECK(out.find(task["started_at"].get<std::string>() + " demo.countdown " + id + " running") != std::string::npos);
    CHECK(out.find(task["finished_at"].get<std::string>() + " demo.countdown " + id + " succeeded") !=
          std::string::npos);
    // Progress and log lines: between the start and the end, in order.
    std::int64_t start = 0, end = 0, previous = 0;
    REQUIRE(taskstream::parse_rfc3339(task["started_at"], start));
    REQUIRE(taskstream::parse_rfc3339(task["finished_at"], end));
    std::regex line_re(R"((\S+) demo\.countdown \S+ (progress|log) )");
    int lines = 0;
    for (std::sregex_iterator it(out.begin(), out.end(), line_re), stop; it != stop; ++it, ++lines) {
        std::int64_t at = 0;
        REQUIRE(taskstream::parse_rfc3339((*it)[1].str(), at));
        CHECK(at >= start);
        CHECK(at <= end);
        CHECK(at >= previous);
        previous = at;
    }
    CHECK(lines == 4);  // "counting down 3 steps" and three steps
}

TEST_CASE("cli: text from a task or a producer reaches the terminal escaped, never as a line or an escape") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    const std::string forged = "disk full\n2026-01-01T00:00:00.000Z demo.fail X succeeded \x1b[2J\x1b]0;owned\x07";
    CliProcess failed({"run", "demo.fail", "-p", "message=" + forged}, Output::pipe, server.port());
    CHECK(failed.wait_exit(std::chrono::seconds(30)) == 1);
    const auto out = failed.output();
    INFO(out);
    CHECK(out.find("failed demo_failure: disk full\\x0a2026-01-01T00:00:00.000Z demo.fail X succeeded "
                   "\\x1b[2J\\x1b]0;owned\\x07\n") != std::string::npos);
    CHECK(out.find('\x1b') == std::string::npos);
    CHECK(out.find("\n2026-01-01T00:00:00.000Z") == std::string::npos);

    CliProcess terminal({"run", "demo.fail", "-p", "message=" + forged}, Output::terminal, server.port());
    CHECK(terminal.wait_exit(std::chrono::seconds(30)) == 1);
    CHECK(terminal.output().find("\x1b]0;owned") == std::string::npos);
    CHECK(terminal.output().find("\x1b[2J") == std::string::npos);

    CliProcess watch({"watch", "alerts/x", "--until", "last", "--from-start"}, Output::pipe, server.port());
    REQUIRE(watch.wait_for_output("watching topic alerts/x", std::chrono::seconds(20)));
    const auto published = http.post_json("/v1/topics/alerts/x/events",
                                           json::array({{{"type", "note"}, {"data", "a\nb \x1b[31mred\xC2\x9B"}},
                                                        {{"type", "last"}, {"data", "end"}}}));
    REQUIRE(published.status == 202);
    CHECK(watch.wait_exit(std::chrono::seconds(20)) == 0);
    CHECK(watch.output().find(" note a\\x0ab \\x1b[31mred\\xc2\\x9b\n") != std::string::npos);
}

TEST_CASE("cli show, logs, delete, pause, resume, status, run --max-retries, the error column, --server first") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    CliProcess run({"run", "demo.flaky", "-p", "failures=1", "--max-retries", "1", "--timeout", "30"}, Output::pipe,
                   server.port());
    CHECK(run.wait_exit(std::chrono::seconds(60)) == 0);
    const auto task = http.get("/v1/tasks?limit=1").json()["tasks"][0];
    const std::string id = task["id"];
    CHECK(task["max_retries"] == 1);
    CHECK(task["timeout_s"] == 30.0);

    CliProcess show({"show", id}, Output::pipe, server.port());
    CHECK(show.wait_exit(std::chrono::seconds(20)) == 0);
    INFO(show.output());
    CHECK(std::regex_search(show.output(), std::regex("state +succeeded\n")));
    CHECK(std::regex_search(show.output(), std::regex("attempt +2 of 2 \\(1 retries a run\\)\n")));
    CHECK(std::regex_search(show.output(), std::regex("\n1 +retrying +[0-9.]+m?s +retryable_error: flaky failure 1 of 1\n")));
    CHECK(std::regex_search(show.output(), std::regex("\n2 +succeeded +[0-9.]+m?s\n")));

    CliProcess logs({"logs", id}, Output::pipe, server.port());
    CHECK(logs.wait_exit(std::chrono::seconds(20)) == 0);
    CHECK(std::regex_search(logs.output(), std::regex(R"(\d{4}-\d\d-\d\dT[\d:.]+Z warning attempt 1 fails on purpose)")));

    CliProcess failed({"run", "demo.fail", "-p", "message=disk full"}, Output::pipe, server.port());
    CHECK(failed.wait_exit(std::chrono::seconds(30)) == 1);
    CliProcess tasks({"--server", "http://127.0.0.1:" + std::to_string(server.port()), "tasks", "--state", "failed"},
                     Output::pipe, 0);
    CHECK(tasks.wait_exit(std::chrono::seconds(20)) == 0);
    CHECK(std::regex_search(tasks.output(), std::regex("CREATED +ERROR\n[0-9A-Z]{26} +demo\\.fail .* demo_failure: disk full\n")));

    CliProcess remove({"delete", id}, Output::pipe, server.port());
    CHECK(remove.wait_exit(std::chrono::seconds(20)) == 0);
    CHECK(remove.output() == id + " deleted\n");
    CHECK(http.get("/v1/tasks/" + id).status == 410);

    CliProcess pause({"pause"}, Output::pipe, server.port());
    CHECK(pause.wait_exit(std::chrono::seconds(20)) == 0);
    CHECK(pause.output().rfind("paused: 0 running, 0 queued, ", 0) == 0);
    CliProcess status({"status", "--json"}, Output::pipe, server.port());
    CHECK(status.wait_exit(std::chrono::seconds(20)) == 0);
    CHECK(json::parse(status.output())["paused"] == true);
    CliProcess resume({"resume"}, Output::pipe, server.port());
    CHECK(resume.wait_exit(std::chrono::seconds(20)) == 0);
    CHECK(resume.output().rfind("taking work: ", 0) == 0);
}
