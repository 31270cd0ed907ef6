// The config file, the environment and the flags: one set of names, flags >
// environment > file, and every mistake in a file refused before anything
// starts, naming the file, the line and the key.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>

#include "http_client.hpp"
#include "server_process.hpp"

using namespace taskstream::testing;
using json = nlohmann::json;

namespace {

std::string write_file(const TempDir& dir, const std::string& name, const std::string& text) {
    const auto path = (dir.path() / name).string();
    std::ofstream(path) << text;
    return path;
}

/// TASKSTREAM_* for the servers this test starts (each ctest entry is its own process).
struct ScopedEnv {
    ScopedEnv(const char* name, const std::string& value) : name_(name) { ::setenv(name, value.c_str(), 1); }
    ~ScopedEnv() { ::unsetenv(name_); }
    const char* name_;
};

} // namespace

TEST_CASE("config: each mistake in a file is refused at start with the file, the line and the key - nothing is stored") {
    struct Mistake {
        std::string text, message;
    };
    const std::vector<Mistake> mistakes{
        {"workers = 2\nwrokers = 4\n", ":2: unknown key 'wrokers' (did you mean 'workers'?)"},
        {"data_dir = \"/tmp/x\"\n", ":1: unknown key 'data_dir' (did you mean 'data-dir'?)"},
        {"[sever]\nlisten = \"127.0.0.1:1\"\n", ":1: unknown section [sever]"},
        {"[[command]]\nname = \"a\"\nargv = [\"true\"]\ntimeout_s = 5\n",
         ":4: unknown key 'timeout_s' in [[command]] (did you mean 'timeout'?)"},
        {"[[schedule]]\nkind = \"demo.countdown\"\nevery = \"1h\"\nevry = 1\n", ":4: unknown key 'evry' in [[schedule]]"},
        {"[webhooks]\nsecret = \"s\"\nbackoff_base_ms = 10\n", ":3: unknown key 'backoff_base_ms' in [webhooks]"},
        {"[section]\nkey=value\n", ":2: Error while parsing value: could not determine value type (the config file is TOML)"},  // INI
        {"workers = \"four\"\n", ":1: workers must be an integer"},
        {"demo = \"yes\"\n", ":1: demo must be true or false"},
        {"workers = 0\n", ":1: workers: --workers: Value 0 not in range 1 to 1024"},
        {"heartbeat = \"15 s\"\n", ":1: heartbeat: --heartbeat: '15 s' is not a duration like 500ms, 30s, 5m, 2h or 7d"},
        {"heartbeat = \"1ms\"\n", ":1: heartbeat: --heartbeat: '1ms' is outside 100ms to 10m"},
        {"log-format = \"xml\"\n", ":1: log-format:"},
        {"trusted-proxies = [\"10.0.0.0/33\"]\n", ":1: trusted-proxies: --trusted-proxies: '10.0.0.0/33' is not an address/prefix"},
        {"config = \"other.toml\"\n", ":1: a config file cannot name another"},
        {"[[command]]\nname = \"a\"\nargv = [\"true\"]\nkill_grace = \"soon\"\n", ":4: command 'a': kill_grace must be a duration"},
        {"[[command]]\nname = \"a\"\nargv = [\"true\"]\nrate = \"5/d\"\n",
         ":4: command 'a': rate '5/d' is not N/s, N/m or N/h (N from 1 to 1000000: at most N starts per interval)"},
        {"[[command]]\nname = \"a\"\nargv = [\"true\"]\nkey_rate = \"0/s\"\n", ":4: command 'a': key_rate '0/s' is not"},
        {"[[schedule]]\nkind = \"nope\"\nevery = \"1h\"\n", ": schedule 'nope#0' names kind 'nope', which is not registered"},
        // A placeholder a task may leave out: every such task would fail before its program ran.
        {"[[command]]\nname = \"a\"\nargv = [\"echo\", \"{who}\"]\n[command.params.properties.who]\ntype = \"string\"\n",
         ":1: command 'a': argv names {who}, which the params schema neither requires nor gives a default"},
    };
    for (const auto& m : mistakes) {
        INFO(m.text);
        TempDir dir;
        const auto file = write_file(dir, "taskstream.toml", m.text);
        const auto data = dir.path() / "data";
        auto r = run_binary({"serve", "--config", file, "--listen", "127.0.0.1:0", "--data-dir", data.string()},
                            std::chrono::seconds(10));
        CHECK(r.exit_code == 2);
        CHECK(r.output.find(file + m.message) != std::string::npos);
        CHECK(r.output.find("listening on") == std::string::npos);
        CHECK_FALSE(std::filesystem::exists(data));
        // `config check` says the same, and starts nothing either.
        auto check = run_binary({"config", "check", file}, std::chrono::seconds(10));
        CHECK(check.exit_code == 2);
        CHECK(check.output.find(m.message) != std::string::npos);
    }
}

TEST_CASE("config check: a good file is ok, with what it sets - and the example config passes with --demo") {
    TempDir dir;
    const auto file = write_file(dir, "good.toml",
                                 "workers = 3\nheartbeat = \"500ms\"\ndrain-timeout = \"1m\"\ndemo = true\n"
                                 "trusted-proxies = [\"127.0.0.1/32\", \"::1\"]\nretention = \"7d\"\n"
                                 "[[schedule]]\nkind = \"demo.countdown\"\nevery = \"1h\"\n");
    auto good = run_binary({"config", "check", file}, std::chrono::seconds(10));
    CHECK(good.exit_code == 0);
    CHECK(good.output.find(file + ": ok (6 settings, 0 commands, 1 schedules)") != std::string::npos);
    const std::string example = std::string(TASKSTREAM_SOURCE_DIR) + "/examples/taskstream.toml";
    auto with_demo = run_binary({"config", "check", example, "--demo"}, std::chrono::seconds(10));
    CHECK(with_demo.exit_code == 0);
    CHECK(with_demo.output.find("2 commands, 1 schedules") != std::string::npos);
    auto without = run_binary({"config", "check", example}, std::chrono::seconds(10));
    CHECK(without.exit_code == 2);
    CHECK(without.output.find("(--demo registers demo.*)") != std::string::npos);
}

TEST_CASE("config precedence: flags over TASKSTREAM_* over the file - TASKSTREAM_CONFIG names the file") {
    TempDir dir;
    const auto file = write_file(dir, "taskstream.toml", "workers = 7\nmax-streams-per-ip = 3\n");
    auto workers_of = [](const ServerProcess& server) {
        HttpClient http(server.port());
        return http.get("/v1/admin/status").json()["workers"].get<int>();
    };
    {
        TempDir data;
        ServerProcess from_file(data.path(), {"--config", file});
        CHECK(workers_of(from_file) == 7);
    }
    {
        ScopedEnv env("TASKSTREAM_WORKERS", "5");
        TempDir data;
        ServerProcess env_first(data.path(), {"--config", file});
        CHECK(workers_of(env_first) == 5);
        TempDir data2;
        ServerProcess flag_first(data2.path(), {"--config", file, "--workers", "2"});
        CHECK(workers_of(flag_first) == 2);
    }
    {
        ScopedEnv env("TASKSTREAM_CONFIG", file);
        TempDir data;
        ServerProcess named_by_env(data.path());
        CHECK(workers_of(named_by_env) == 7);
        // The file's other key holds too: the fourth stream of one client is refused.
        std::vector<std::unique_ptr<SseStream>> open;
        for (int i = 0; i < 3; ++i) open.push_back(std::make_unique<SseStream>(named_by_env.port(), "/v1/events?topic=a"));
        HttpClient http(named_by_env.port());
        CHECK(http.get("/v1/events?topic=a", {{"Accept", "text/event-stream"}}).status == 429);
    }
}

TEST_CASE("config: durations take units on flags, in the environment and in the file") {
    TempDir dir;
    const auto file = write_file(dir, "taskstream.toml", "heartbeat = \"150ms\"\n");
    TempDir data;
    ServerProcess server(data.path(), {"--config", file});
    // A stream idle for 1.5 s gets heartbeat comments: the default (15 s) would send none.
    HttpClient http(server.port());
    auto id = http.post_json("/v1/tasks", {{"kind", "demo.countdown"}, {"params", {{"steps", 1}, {"interval_ms", 1500}}}})
                  .json()["id"].get<std::string>();
    SseStream stream(server.port(), "/v1/tasks/" + id + "/events");
    stream.read_to_end();
    CHECK(stream.parser().comments() >= 3);
    auto bad_env = [&] {
        ScopedEnv env("TASKSTREAM_DRAIN_TIMEOUT", "30 seconds");
        TempDir d;
        return run_binary({"serve", "--listen", "127.0.0.1:0", "--data-dir", d.path().string()}, std::chrono::seconds(10));
    }();
    CHECK(bad_env.exit_code == 2);
    CHECK(bad_env.output.find("--drain-timeout: '30 seconds' is not a duration") != std::string::npos);
}

TEST_CASE("serve --help lists every server option with its variable and default") {
    auto help = run_binary({"serve", "--help"}, std::chrono::seconds(10));
    CHECK(help.exit_code == 0);
    for (const char* option : {"--config", "--listen", "--data-dir", "--workers", "--shutdown-delay", "--drain-timeout",
                               "--max-redeliveries", "--trusted-proxies", "--access-log", "--log-format", "--heartbeat"})
        CHECK(help.output.find(option) != std::string::npos);
    CHECK(help.output.find("TASKSTREAM_CONFIG") != std::string::npos);
    CHECK(help.output.find("DURATION=30s") != std::string::npos);  // --drain-timeout's default, in units
}
