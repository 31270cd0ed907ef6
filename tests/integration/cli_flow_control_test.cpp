// The command line's flow control, as a shell user meets it: `kinds pause|resume`,
// `run --key`, a kind's start rate in `kinds` and `show`, `run --dedupe` in each mode
// (and `show` of a task waiting behind the running one it replaced), `run --ttl`.
#include <catch2/catch.hpp>

#include <fstream>
#include <regex>

#include "cli_process.hpp"
#include "http_client.hpp"
#include "server_process.hpp"

using namespace taskstream::testing;
using json = nlohmann::json;
using Output = CliProcess::Output;

TEST_CASE("cli pause and resume one kind: kinds and status show it, its task waits until resumed") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    CliProcess pause({"kinds", "pause", "demo.noop"}, Output::pipe, server.port());  // or `pause demo.noop`
    CHECK(pause.wait_exit(std::chrono::seconds(20)) == 0);
    CHECK(pause.output() == "demo.noop paused: its tasks wait (running ones finish)\n");
    CliProcess kinds({"kinds"}, Output::pipe, server.port());
    CHECK(kinds.wait_exit(std::chrono::seconds(20)) == 0);
    CHECK(kinds.output().find("demo.noop  [paused]") != std::string::npos);
    CHECK(kinds.output().find("demo.countdown  [paused]") == std::string::npos);
    CliProcess status({"status"}, Output::pipe, server.port());
    CHECK(status.wait_exit(std::chrono::seconds(20)) == 0);
    CHECK(status.output().find("taking work: ") == 0);
    CHECK(status.output().find("\npaused kinds: demo.noop\n") != std::string::npos);

    const std::string id = create_task(http, {{"kind", "demo.noop"}})["id"];
    CHECK(http.get("/v1/tasks/" + id).json()["state"] == "queued");
    CliProcess watch({"watch", id}, Output::pipe, server.port());  // says why it waits
    CHECK(watch.wait_for_output(" waiting: kind demo.noop is paused: its tasks start once it is resumed\n",
                                std::chrono::seconds(20)));
    CliProcess resume({"resume", "demo.noop"}, Output::pipe, server.port());
    CHECK(resume.wait_exit(std::chrono::seconds(20)) == 0);
    CHECK(resume.output() == "demo.noop resumed\n");
    CHECK(watch.wait_exit(std::chrono::seconds(20)) == 0);  // it ran, and succeeded

    CliProcess unknown({"pause", "demo.nope"}, Output::pipe, server.port());
    CHECK(unknown.wait_exit(std::chrono::seconds(20)) == 1);
    CHECK(unknown.output().find("demo.nope") != std::string::npos);
    CliProcess unknown_too({"kinds", "resume", "demo.nope"}, Output::pipe, server.port());
    CHECK(unknown_too.wait_exit(std::chrono::seconds(20)) == 1);
    CHECK(unknown_too.output().find("demo.nope") != std::string::npos);
    CliProcess no_kind({"kinds", "pause"}, Output::pipe, server.port());
    CHECK(no_kind.wait_exit(std::chrono::seconds(20)) == 2);
    CliProcess malformed({"pause", "Demo/Noop"}, Output::pipe, server.port());
    CHECK(malformed.wait_exit(std::chrono::seconds(20)) == 2);
    CHECK(malformed.output().find("'Demo/Noop' is not a task kind name") != std::string::npos);
}

TEST_CASE("cli run --concurrency-key: a second task of the key waits, and show prints its key") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    std::vector<std::string> ids;
    for (const char* steps : {"steps=1000", "steps=1"}) {
        CliProcess run({"run", "demo.countdown", "--detach", "--concurrency-key", "customer 42", "-p", steps, "-p",
                        "interval_ms=10"},
                       Output::pipe, server.port());
        REQUIRE(run.wait_exit(std::chrono::seconds(20)) == 0);
        ids.push_back(task_id_in(run.output()));
    }
    CHECK(http.get("/v1/tasks/" + ids[0]).json()["concurrency_key"] == "customer 42");
    CliProcess show({"show", ids[1]}, Output::pipe, server.port());
    CHECK(show.wait_exit(std::chrono::seconds(20)) == 0);
    CHECK(std::regex_search(show.output(), std::regex("\nstate +queued\n")));  // demo.countdown: one per key at once
    CHECK(std::regex_search(show.output(), std::regex("\nconcurrency key +customer 42\n")));
    CHECK(std::regex_search(show.output(),
                            std::regex("\nwaiting +1 of 1 demo.countdown tasks for customer 42 are running\n")));
    REQUIRE(http.request("POST", "/v1/tasks/" + ids[0] + "/cancel").status == 202);
    CliProcess watch({"watch", ids[1]}, Output::pipe, server.port());
    CHECK(watch.wait_exit(std::chrono::seconds(20)) == 0);  // it ran once the first had ended
}

TEST_CASE("cli kinds prints a kind's start rate, and show when a task it holds back may start") {
    TempDir dir;
    const auto config = (dir.path() / "rated.toml").string();
    std::ofstream(config) << "[[command]]\nname = \"rated.hourly\"\nargv = [\"true\"]\nrate = \"1/h\"\n";
    ServerProcess server(dir.path() / "data", {"--config", config});
    CliProcess kinds({"kinds"}, Output::pipe, server.port());
    CHECK(kinds.wait_exit(std::chrono::seconds(20)) == 0);
    CHECK(std::regex_search(kinds.output(), std::regex("\nrated\.hourly  runs true\n  limits: 1/h starts\n")));
    CliProcess first({"run", "rated.hourly"}, Output::pipe, server.port());
    REQUIRE(first.wait_exit(std::chrono::seconds(20)) == 0);
    CliProcess held({"run", "rated.hourly", "--detach"}, Output::pipe, server.port());
    REQUIRE(held.wait_exit(std::chrono::seconds(20)) == 0);
    CliProcess show({"show", task_id_in(held.output())}, Output::pipe, server.port());
    CHECK(show.wait_exit(std::chrono::seconds(20)) == 0);
    CHECK(std::regex_search(show.output(), std::regex("\nwaiting +at most 1 per hour rated\.hourly tasks start "
                                                      "\\(next at 20[0-9-]+T[0-9:.]+Z\\)\n")));
}

TEST_CASE("cli run --dedupe: join gives the same task, reject exits 2, and watch follows a task that is replaced") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    REQUIRE(http.request("POST", "/v1/kinds/demo.noop/pause").status == 200);
    std::vector<std::string> ids;
    for (int i = 0; i < 2; ++i) {
        CliProcess run({"run", "demo.noop", "--detach", "--dedupe", "report:7"}, Output::pipe, server.port());
        REQUIRE(run.wait_exit(std::chrono::seconds(20)) == 0);
        ids.push_back(task_id_in(run.output()));
    }
    CHECK(ids[0] == ids[1]);  // "report:7" is the key: "7" is no mode
    CHECK(http.get("/v1/tasks/" + ids[0]).json()["dedupe_key"] == "report:7");
    CliProcess refused({"run", "demo.noop", "--detach", "--dedupe", "report:7:reject"}, Output::pipe, server.port());
    CHECK(refused.wait_exit(std::chrono::seconds(20)) == 2);
    CHECK(refused.output().find(ids[0]) != std::string::npos);

    CliProcess watch({"watch", ids[0]}, Output::pipe, server.port());
    REQUIRE(watch.wait_for_output(" waiting: ", std::chrono::seconds(20)));  // its stream is open
    CliProcess replace({"run", "demo.noop", "--detach", "--dedupe", "report:7:replace"}, Output::pipe, server.port());
    REQUIRE(replace.wait_exit(std::chrono::seconds(20)) == 0);
    const std::string successor = task_id_in(replace.output());
    CHECK(watch.wait_for_output(ids[0] + " superseded by " + successor + "; following it\n", std::chrono::seconds(20)));
    REQUIRE(http.request("POST", "/v1/kinds/demo.noop/resume").status == 200);
    CHECK(watch.wait_exit(std::chrono::seconds(20)) == 0);  // the successor succeeded
    CHECK(watch.output().find("demo.noop " + successor + " succeeded") != std::string::npos);
}

TEST_CASE("cli run --ttl: a task not started by its deadline ends expired, and run exits 5") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    REQUIRE(http.request("POST", "/v1/kinds/demo.noop/pause").status == 200);
    CliProcess run({"run", "demo.noop", "--ttl", "0.3"}, Output::pipe, server.port());
    CHECK(run.wait_exit(std::chrono::seconds(20)) == 5);
    CHECK(run.output().find("expired") != std::string::npos);
    CliProcess tasks({"tasks", "--state", "expired"}, Output::pipe, server.port());
    CHECK(tasks.wait_exit(std::chrono::seconds(20)) == 0);
    CHECK(std::regex_search(tasks.output(), std::regex("[0-9A-Z]{26} +demo\\.noop +expired ")));
}

TEST_CASE("cli show of a dedupe replacement of a running task: it starts after that one, and why it waits") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    const json running_export{{"kind", "demo.countdown"}, {"params", {{"steps", 1000}, {"interval_ms", 20}}},
                              {"dedupe", {{"key", "export 5"}, {"mode", "replace"}}}};
    const std::string first = create_task(http, running_export)["id"];
    SseStream started(server.port(), "/v1/tasks/" + first + "/events");
    for (bool running = false; !running;) {
        auto e = started.next();
        REQUIRE(e);
        running = e->type == "state" && json::parse(e->data)["state"] == "running";
    }
    CliProcess replace({"run", "demo.countdown", "--detach", "-p", "steps=1", "--dedupe", "export 5:replace"}, Output::pipe,
                       server.port());
    CHECK(replace.wait_exit(std::chrono::seconds(20)) == 0);
    const std::string second = task_id_in(replace.output());
    CliProcess show({"show", second}, Output::pipe, server.port());
    CHECK(show.wait_exit(std::chrono::seconds(20)) == 0);
    CHECK(std::regex_search(show.output(), std::regex("\nstarts after +" + first + "\n")));
    CHECK(std::regex_search(show.output(), std::regex("\ndedupe key +export 5\n")));
    CHECK(std::regex_search(show.output(), std::regex("\nwaiting +it starts once task " + first + ", which it replaced")));
    REQUIRE(http.request("POST", "/v1/tasks/" + first + "/cancel").status == 202);
}
