// Command kinds from the config file, run for real: output lines become log and
// progress events, exit codes decide the outcome, cancel ends the process group.
#include <catch2/catch.hpp>

#include <fstream>

#include "http_client.hpp"
#include "server_process.hpp"

using namespace taskstream::testing;
using json = nlohmann::json;

namespace {

const char* kConfig = R"(
[[command]]
name = "sh.steps"
argv = ["sh", "-c", "echo \"progress 50 half of $0\"; echo plain line; echo oops >&2; echo '{{\"label\": \"'\"$0\"'\"}}'", "{label}"]
[command.params]
type = "object"
required = ["label"]
additionalProperties = false
[command.params.properties.label]
type = "string"

[[command]]
name = "sh.exit"
argv = ["sh", "-c", "echo broken input >&2; exit $0", "{code}"]
max_retries = 2
retryable_exit_codes = [75]
[command.params]
required = ["code"]
[command.params.properties.code]
type = "integer"

[[command]]
name = "py.gate"  # braces in argv are doubled: {{ and }} are literal, {gate} a param
argv = ["python3", "-c", '''
import json, os, sys, time
print("progress 50 waiting at the gate")
for _ in range(3000):
    if os.path.exists(sys.argv[1]):
        break
    time.sleep(0.01)
print(json.dumps({{"id": os.environ["TASKSTREAM_TASK_ID"], "params": json.loads(os.environ["TASKSTREAM_PARAMS"])}}))
''', "{gate}"]
[command.params]
type = "object"
required = ["gate"]
[command.params.properties.gate]
type = "string"
[command.params.properties.n]
type = "integer"
default = 7

[[command]]
name = "sh.reports"
argv = ["sh", "-c", "echo 'error quota_exceeded 12 of 10 exports today' >&2; exit 3"]
[command.params.properties.zebra]
type = "string"
[command.params.properties.apple]
type = "string"

[[command]]
name = "sh.sleepy"
argv = ["sh", "-c", "sleep 60 & echo \"child $!\"; echo \"self $$\"; wait"]
kill_grace = "200ms"
)";

std::string write_config(const TempDir& dir) {
    auto path = (dir.path() / "taskstream.toml").string();
    std::ofstream(path) << kConfig;
    return path;
}

/// Alive: present in /proc and not a zombie (a dead child waiting for init to reap it).
bool process_exists(int pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    auto close = text.rfind(')');
    if (close == std::string::npos || close + 2 >= text.size()) return false;
    const char state = text[close + 2];
    return state != 'Z' && state != 'X';
}

} // namespace

TEST_CASE("a command kind: progress and log lines - the last JSON line is the result - no shell for params") {
    TempDir dir;
    ServerProcess server(dir.path() / "data", {"--config", write_config(dir)});
    HttpClient http(server.port());
    const std::string evil = "x; touch " + (dir.path() / "pwned").string();
    auto task = create_task(http, {{"kind", "sh.steps"}, {"params", {{"label", evil}}}});
    auto events = task_events(server.port(), task["id"].get<std::string>());
    std::vector<std::string> logs;
    double percent = -1;
    for (const auto& e : events) {
        auto d = json::parse(e.data);
        if (e.type == "log" && d["level"] != "debug") logs.push_back(d["level"].get<std::string>() + ":" + d["message"].get<std::string>());
        if (e.type == "progress") percent = d["percent"];
    }
    CHECK(percent == 50.0);
    CHECK(std::count(logs.begin(), logs.end(), "info:plain line") == 1);
    CHECK(std::count(logs.begin(), logs.end(), "warning:oops") == 1);
    auto end = json::parse(events.back().data);
    CHECK(end["state"] == "succeeded");
    CHECK(end["result"] == json{{"label", evil}});  // the param arrived as one argument, unexpanded
    CHECK_FALSE(std::filesystem::exists(dir.path() / "pwned"));
    CHECK(http.post_json("/v1/tasks", {{"kind", "sh.steps"}, {"params", json::object()}}).status == 422);
}

TEST_CASE("a command kind: a plain non-zero exit fails with the stderr tail - a retryable one is retried") {
    TempDir dir;
    ServerProcess server(dir.path() / "data", {"--config", write_config(dir)});
    HttpClient http(server.port());
    auto poison = create_task(http, {{"kind", "sh.exit"}, {"params", {{"code", 3}}}});
    auto retried = create_task(http, {{"kind", "sh.exit"}, {"params", {{"code", 75}}}, {"backoff_base_s", 0.01}});
    auto end = json::parse(
        task_events(server.port(), poison["id"].get<std::string>()).back().data);
    CHECK(end["state"] == "failed");
    CHECK(end["attempt"] == 1);
    CHECK(end["error"]["type"] == "exit_code");
    CHECK(end["error"]["message"] == "exit code 3: broken input");
    // The poison task stops after max_retries and stays failed.
    end = json::parse(
        task_events(server.port(), retried["id"].get<std::string>()).back().data);
    CHECK(end["state"] == "failed");
    CHECK(end["attempt"] == 3);
}

TEST_CASE("cancelling a running command kind kills its whole process group - no child is left") {
    TempDir dir;
    ServerProcess server(dir.path() / "data", {"--config", write_config(dir)});
    HttpClient http(server.port());
    auto task = create_task(http, {{"kind", "sh.sleepy"}});
    const std::string id = task["id"];
    SseStream stream(server.port(), "/v1/tasks/" + id + "/events");
    int child = 0, self = 0;
    while (!child || !self) {
        auto e = stream.next();
        REQUIRE(e);
        if (e->type != "log") continue;
        std::string message = json::parse(e->data)["message"];
        if (message.rfind("child ", 0) == 0) child = std::stoi(message.substr(6));
        if (message.rfind("self ", 0) == 0) self = std::stoi(message.substr(5));
    }
    REQUIRE(process_exists(child));
    CHECK(http.request("POST", "/v1/tasks/" + id + "/cancel").status == 202);
    auto rest = stream.read_to_end();
    REQUIRE_FALSE(rest.empty());
    CHECK(json::parse(rest.back().data)["state"] == "cancelled");
    CHECK_FALSE(process_exists(self));
    CHECK_FALSE(process_exists(child));
}

TEST_CASE("a command kind that runs past its timeout is killed and fails with type timeout") {
    TempDir dir;
    ServerProcess server(dir.path() / "data", {"--config", write_config(dir)});
    HttpClient http(server.port());
    auto task = create_task(http, {{"kind", "sh.sleepy"}, {"timeout_s", 0.3}});
    auto end = json::parse(
        task_events(server.port(), task["id"].get<std::string>()).back().data);
    CHECK(end["state"] == "failed");
    CHECK(end["error"]["type"] == "timeout");
}

TEST_CASE("a config file with a mistake is refused at start with its line") {
    TempDir dir;
    auto path = (dir.path() / "bad.toml").string();
    std::ofstream(path) << "[[command]]\nname = \"x\"\n";
    auto r = run_binary({"serve", "--listen", "127.0.0.1:0", "--data-dir", (dir.path() / "d").string(), "--config", path},
                        std::chrono::seconds(20));
    CHECK(r.exit_code == 2);
    CHECK(r.output.find("bad.toml:1") != std::string::npos);
    CHECK(r.output.find("argv") != std::string::npos);
}

TEST_CASE("a command kind gets its task in the environment, and Python's progress arrives as it is printed") {
    TempDir dir;
    ServerProcess server(dir.path() / "data", {"--config", write_config(dir)});
    HttpClient http(server.port());
    const auto gate = (dir.path() / "gate").string();
    const std::string id = create_task(http, {{"kind", "py.gate"}, {"params", {{"gate", gate}}}})["id"];
    SseStream stream(server.port(), "/v1/tasks/" + id + "/events");
    // The program waits at the gate after its progress line: the line must come while it waits.
    for (auto e = stream.next(std::chrono::seconds(20)); e; e = stream.next(std::chrono::seconds(20))) {
        REQUIRE((e->type != "state" || json::parse(e->data)["state"] != "succeeded"));
        if (e->type == "progress") break;
    }
    std::ofstream(gate) << "open";
    auto end = json::parse(stream.read_to_end().back().data);
    CHECK(end["state"] == "succeeded");
    CHECK(end["result"] == json{{"id", id}, {"params", {{"gate", gate}, {"n", 7}}}});  // typed, defaults filled
}

TEST_CASE("a failing command kind names its error type with an error line") {
    TempDir dir;
    ServerProcess server(dir.path() / "data", {"--config", write_config(dir)});
    HttpClient http(server.port());
    const std::string id = create_task(http, {{"kind", "sh.reports"}})["id"];
    auto end = json::parse(task_events(server.port(), id).back().data);
    CHECK(end["state"] == "failed");
    CHECK(end["error"] == json{{"type", "quota_exceeded"}, {"message", "12 of 10 exports today"}});
    // Its params in the order the file lists them, for forms.
    for (const auto& kind : http.get("/v1/kinds").json()["kinds"])
        if (kind["name"] == "sh.reports") CHECK(kind["params_order"] == json{"zebra", "apple"});
}
