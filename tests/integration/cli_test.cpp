// The command line as a shell user meets it: `taskstream run` on a terminal and
// through a pipe, watch, tasks, kinds, cancel, retry — and every wrong argument
// refused with status 2 before anything listens.
#include <catch2/catch.hpp>

#include <fstream>
#include <regex>

#include "cli_process.hpp"
#include "http_client.hpp"
#include "server_process.hpp"
#include "terminal_screen.hpp"

using namespace taskstream::testing;
using json = nlohmann::json;
using Output = CliProcess::Output;

namespace {

std::vector<json> json_lines(const std::string& text) {
    std::vector<json> out;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        auto line = text.substr(start, end - start);
        if (!line.empty() && line.front() == '{') out.push_back(json::parse(line));
        start = end + 1;
    }
    return out;
}

/// The first task the server lists (the one a command just made).
json newest_task(HttpClient& http) {
    auto tasks = http.get("/v1/tasks?limit=1").json()["tasks"];
    REQUIRE(tasks.size() == 1);
    return tasks[0];
}

} // namespace

TEST_CASE("cli run on a terminal: a live bar to 100 %, log lines above it, the result, exit 0") {
    TempDir dir;
    ServerProcess server(dir.path());
    CliProcess run({"run", "demo.countdown", "--param", "steps=5", "--param", "interval_ms=40"}, Output::terminal,
                   server.port());
    CHECK(run.wait_exit(std::chrono::seconds(30)) == 0);
    const auto screen = run.output();
    CHECK(screen.find("[info] counting down 5 steps") != std::string::npos);
    CHECK(screen.find("demo.countdown 100%|") != std::string::npos);
    CHECK(screen.find("| 5/5 [") != std::string::npos);
    CHECK(screen.find("\x1b[1F") != std::string::npos);  // the bar is redrawn in place
    CHECK(screen.find("succeeded {\"steps\":5}") != std::string::npos);  // steps=5 was sent as an integer
}

TEST_CASE("cli run through a pipe: timestamped lines, or JSON lines, and the exit status follows the final state") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());

    CliProcess ok({"run", "demo.countdown", "-p", "steps=2", "-p", "interval_ms=10"}, Output::pipe, server.port());
    CHECK(ok.wait_exit(std::chrono::seconds(30)) == 0);
    const auto lines = ok.output();
    CHECK(std::regex_search(lines, std::regex(R"(\d{4}-\d\d-\d\dT[\d:.]+Z demo\.countdown [0-9A-Z]{26} running attempt 1/1)")));
    CHECK(lines.find("progress 100% 2/2 step 2 of 2") != std::string::npos);
    CHECK(lines.find("\x1b[") == std::string::npos);  // no terminal codes in a pipe

    CliProcess failed({"run", "demo.fail", "-p", "message=disk full"}, Output::pipe, server.port());
    CHECK(failed.wait_exit(std::chrono::seconds(30)) == 1);
    CHECK(failed.output().find("failed demo_failure: disk full") != std::string::npos);

    CliProcess cancelled({"run", "demo.countdown", "--json", "-p", "steps=1000", "-p", "interval_ms=50"}, Output::pipe,
                         server.port());
    REQUIRE(cancelled.wait_for_output("\"progress\"", std::chrono::seconds(20)));
    const std::string id = newest_task(http)["id"];
    REQUIRE(http.request("POST", "/v1/tasks/" + id + "/cancel").status == 202);
    CHECK(cancelled.wait_exit(std::chrono::seconds(30)) == 3);
    auto events = json_lines(cancelled.output());
    INFO("the command printed:\n" << cancelled.output());  // once it missed its first states: show what came
    REQUIRE(events.size() >= 3);
    CHECK(events.front()["event"] == "state");
    CHECK(events.front()["data"]["state"] == "queued");
    CHECK(events.back()["data"]["state"] == "cancelled");
}

TEST_CASE("cli run: a server that is not there is exit 4, a bad param or kind exit 2 with nothing created") {
    unsigned short port = 0;
    {
        TempDir gone;
        ServerProcess server(gone.path());
        port = server.port();
    }
    CliProcess down({"run", "demo.countdown"}, Output::pipe, port);
    CHECK(down.wait_exit(std::chrono::seconds(20)) == 4);
    CHECK(down.output().find("cannot reach http://127.0.0.1:" + std::to_string(port)) != std::string::npos);

    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    CliProcess bad_value({"run", "demo.countdown", "--param", "steps=many"}, Output::pipe, server.port());
    CHECK(bad_value.wait_exit(std::chrono::seconds(20)) == 2);
    CHECK(bad_value.output().find("--param steps=many: not an integer") != std::string::npos);
    CliProcess out_of_range({"run", "demo.countdown", "--param", "steps=0"}, Output::pipe, server.port());
    CHECK(out_of_range.wait_exit(std::chrono::seconds(20)) == 2);
    CHECK(out_of_range.output().find("/steps") != std::string::npos);  // the server's 422, field named
    CliProcess no_kind({"run", "demo.nothing"}, Output::pipe, server.port());
    CHECK(no_kind.wait_exit(std::chrono::seconds(20)) == 2);
    CHECK(no_kind.output().find("no task kind 'demo.nothing'") != std::string::npos);
    CHECK(http.get("/v1/tasks").json()["tasks"].empty());
}

TEST_CASE("cli run: Ctrl-C detaches and says how to re-attach, the task goes on, watch follows it to its end") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    CliProcess run({"run", "demo.countdown", "-p", "steps=30", "-p", "interval_ms=50"}, Output::terminal, server.port());
    REQUIRE(run.wait_for_output("%|", std::chrono::seconds(20)));
    run.interrupt();
    CHECK(run.wait_exit(std::chrono::seconds(10)) == 130);
    const std::string id = newest_task(http)["id"];
    // On the screen, not only in the bytes: the bars' erase must not clear the hint.
    const auto screen = screen_of(run.output());
    INFO("the screen:\n" << joined(screen));
    CHECK(on_screen(screen, "follow it again with: taskstream watch " + id));
    CHECK(http.get("/v1/tasks/" + id).json()["state"] != "cancelled");

    CliProcess watch({"watch", id}, Output::pipe, server.port());
    CHECK(watch.wait_exit(std::chrono::seconds(30)) == 0);
    CHECK(watch.output().find(id + " succeeded {\"steps\":30}") != std::string::npos);
}

TEST_CASE("cli run --cancel-on-interrupt: Ctrl-C cancels the task, and the command ends with it (exit 3)") {
    TempDir dir;
    ServerProcess server(dir.path());
    CliProcess run({"run", "demo.countdown", "--cancel-on-interrupt", "-p", "steps=1000", "-p", "interval_ms=20"},
                   Output::pipe, server.port());
    REQUIRE(run.wait_for_output("progress", std::chrono::seconds(20)));
    run.interrupt();
    CHECK(run.wait_exit(std::chrono::seconds(20)) == 3);
    CHECK(run.output().find(" cancelled") != std::string::npos);
}

TEST_CASE("cli run survives a server restart mid-run: it reconnects with its last id, every event once, in order") {
    TempDir dir;
    auto server = std::make_unique<ServerProcess>(dir.path(), std::vector<std::string>{"--drain-timeout", "0"});
    const auto port = server->port();
    CliProcess run({"run", "demo.countdown", "--json", "-p", "steps=40", "-p", "interval_ms=50"}, Output::pipe, port);
    REQUIRE(run.wait_for_output("\"percent\":10", std::chrono::seconds(20)));
    server->stop();  // the attempt is interrupted and queued again
    server = std::make_unique<ServerProcess>(dir.path(), std::vector<std::string>{}, port);
    CHECK(run.wait_exit(std::chrono::seconds(60)) == 0);
    auto events = json_lines(run.output());
    REQUIRE_FALSE(events.empty());
    std::string previous;
    int shutdowns = 0;
    for (const auto& e : events) {
        if (e["event"] == "shutdown") {
            ++shutdowns;
            continue;
        }
        const std::string id = e["id"];
        CHECK(id > previous);
        previous = id;
    }
    CHECK(shutdowns == 1);
    CHECK(events.back()["data"]["state"] == "succeeded");
    CHECK(run.output().find("reconnected") != std::string::npos);
}

TEST_CASE("cli watch: several tasks, one bar each on one stream, until all have ended") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    std::vector<std::string> args{"watch"};
    for (int steps : {3, 5, 7}) {
        auto t = create_task(http, {{"kind", "demo.countdown"}, {"params", {{"steps", steps}, {"interval_ms", 40}}}});
        args.push_back(t["id"]);
    }
    CliProcess watch(args, Output::terminal, server.port());
    CHECK(watch.wait_exit(std::chrono::seconds(30)) == 0);
    const auto screen = watch.output();
    for (std::size_t i = 1; i < args.size(); ++i) {
        CHECK(screen.find(args[i] + " succeeded") != std::string::npos);
        CHECK(screen.find("…" + args[i].substr(20) + " 100%|") != std::string::npos);
    }
    CHECK(screen.find("\x1b[3F") != std::string::npos);  // three bars redrawn together
    CliProcess unknown({"watch", "01M8T1C3ST9M9DQBQ40B7BDQF4"}, Output::pipe, server.port());
    CHECK(unknown.wait_exit(std::chrono::seconds(20)) == 1);
    CHECK(unknown.output().find("01M8T1C3ST9M9DQBQ40B7BDQF4") != std::string::npos);
}

TEST_CASE("cli tasks, kinds, cancel and retry") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    CliProcess kinds({"kinds"}, Output::pipe, server.port());
    CHECK(kinds.wait_exit(std::chrono::seconds(20)) == 0);
    CHECK(kinds.output().find("--param steps=…        integer 1..100000, default 10") != std::string::npos);
    CHECK(kinds.output().find("--param steps=") < kinds.output().find("--param interval_ms="));  // the kind's order

    CliProcess detach({"run", "demo.countdown", "--detach", "-p", "steps=1000", "-p", "interval_ms=50"}, Output::pipe,
                      server.port());
    CHECK(detach.wait_exit(std::chrono::seconds(20)) == 0);
    const auto id = task_id_in(detach.output());
    CHECK(http.get("/v1/tasks/" + id).status == 200);

    CliProcess tasks({"tasks", "--kind", "demo.countdown"}, Output::pipe, server.port());
    CHECK(tasks.wait_exit(std::chrono::seconds(20)) == 0);
    CHECK(std::regex_search(tasks.output(), std::regex("ID +KIND +STATE +ATTEMPT +PROGRESS +CREATED +ERROR\n" + id +
                                                       "  demo.countdown  (queued|running) ")));

    CliProcess cancel({"cancel", id}, Output::pipe, server.port());
    CHECK(cancel.wait_exit(std::chrono::seconds(20)) == 0);
    CliProcess again({"cancel", id}, Output::pipe, server.port());
    CHECK(again.wait_exit(std::chrono::seconds(20)) == 1);  // 409: it has ended
    CliProcess retry({"retry", id}, Output::pipe, server.port());
    CHECK(retry.wait_exit(std::chrono::seconds(20)) == 0);
    CHECK(retry.output().find(id + " queued") != std::string::npos);
    CliProcess not_an_id({"cancel", "nope"}, Output::pipe, server.port());
    CHECK(not_an_id.wait_exit(std::chrono::seconds(20)) == 2);
}

TEST_CASE("cli: every unknown or malformed argument exits 2 with a message naming it, and nothing listens") {
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
        {{"--bogus"}, "--bogus"},
        {{"bogus"}, "unknown command 'bogus'"},
        {{"serve", "--wrokers", "4"}, "--wrokers"},
        {{"serve", "--workers", "many"}, "--workers"},
        {{"--listen"}, "--listen"},
        {{"run"}, "kind is required"},
        {{"run", "demo.countdown", "--bogus"}, "--bogus"},
        {{"run", "demo.countdown", "--priority", "500"}, "--priority"},
        {{"watch"}, "targets is required"},
        {{"watch", "jobs/x", "--bogus"}, "--bogus"},
        {{"tasks", "--state", "sleeping"}, "--state"},
        {{"tasks", "--limit", "0"}, "--limit"},
        {{"kinds", "extra"}, "extra"},
        {{"cancel"}, "id is required"},
    };
    for (const auto& [args, named] : cases) {
        INFO(args.front() << " … → " << named);
        auto result = run_binary(args, std::chrono::seconds(10));
        CHECK(result.exit_code == 2);
        CHECK(result.output.find(named) != std::string::npos);
        CHECK(result.output.find("Usage: taskstream") != std::string::npos);
        CHECK(result.output.find("listening on") == std::string::npos);
    }
    auto scheme = run_binary({"run", "demo.countdown", "--server", "ftp://x"}, std::chrono::seconds(10));
    CHECK(scheme.exit_code == 2);
    CHECK(scheme.output.find("--server ftp://x: expected http://HOST:PORT") != std::string::npos);
    auto version = run_binary({"--version"}, std::chrono::seconds(10));
    CHECK(version.exit_code == 0);
    CHECK(std::regex_search(version.output, std::regex(R"(^taskstream \d+\.\d+\.\d+ \(commit \w+\))")));
    auto help = run_binary({"run", "--help"}, std::chrono::seconds(10));
    CHECK(help.exit_code == 0);
    CHECK(help.output.find("--param") != std::string::npos);
    CHECK(help.output.find("--listen") == std::string::npos);  // its own options, not the server's
}
