// The example config file works as written: its two command kinds run for real.
#include <catch2/catch.hpp>

#include <fstream>

#include "core/digest.hpp"
#include "http_client.hpp"
#include "server_process.hpp"

using namespace taskstream::testing;
using json = nlohmann::json;

namespace {

std::string example_config() { return std::string(TASKSTREAM_SOURCE_DIR) + "/examples/taskstream.toml"; }

std::vector<SseEvent> run_task(HttpClient& http, unsigned short port, const json& body) {
    return task_events(port, create_task(http, body)["id"]);
}

} // namespace

TEST_CASE("example config: files.archive and files.checksums run with progress and results") {
    TempDir dir;
    auto input = dir.path() / "input";
    std::filesystem::create_directories(input / "sub");
    std::ofstream(input / "a.txt") << "alpha\n";
    std::ofstream(input / "sub" / "b.txt") << "beta\n";
    ServerProcess server(dir.path() / "data", {"--config", example_config()});
    HttpClient http(server.port());

    const auto archive = (dir.path() / "out.tar.gz").string();
    auto events = run_task(http, server.port(),
                           {{"kind", "files.archive"}, {"params", {{"dir", input.string()}, {"output", archive}}}});
    int progress = 0;
    for (const auto& e : events) progress += e.type == "progress";
    CHECK(progress == 4);  // ".", a.txt, sub, sub/b.txt
    auto end = json::parse(events.back().data);
    REQUIRE(end["state"] == "succeeded");
    CHECK(end["result"]["archive"] == archive);
    CHECK(end["result"]["bytes"].get<long>() == static_cast<long>(std::filesystem::file_size(archive)));

    const auto a = (input / "a.txt").string(), b = (input / "sub" / "b.txt").string();
    events = run_task(http, server.port(), {{"kind", "files.checksums"}, {"params", {{"files", {a, b}}}}});
    end = json::parse(events.back().data);
    REQUIRE(end["state"] == "succeeded");
    CHECK(end["result"]["sha256"][a] == taskstream::sha256_hex("alpha\n"));
    CHECK(end["result"]["sha256"][b] == taskstream::sha256_hex("beta\n"));

    events = run_task(http, server.port(), {{"kind", "files.checksums"}, {"params", {{"files", {"/no/such/file"}}}}});
    end = json::parse(events.back().data);
    CHECK(end["state"] == "failed");
    CHECK(end["error"]["message"].get<std::string>().find("No such file") != std::string::npos);
}
