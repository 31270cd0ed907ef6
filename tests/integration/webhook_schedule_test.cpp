// Webhooks (signed, retried, allowlisted) and periodic schedules from the config file.
#include <catch2/catch.hpp>

#include <fstream>
#include <set>

#include "http_client.hpp"
#include "server_process.hpp"
#include "core/digest.hpp"
#include "webhook_receiver.hpp"

using namespace taskstream::testing;
using json = nlohmann::json;

namespace {

std::string write_config(const TempDir& dir, const std::string& text) {
    auto path = (dir.path() / "taskstream.toml").string();
    std::ofstream(path) << text;
    return path;
}

} // namespace

TEST_CASE("a webhook receiver gets one correctly signed POST per finished task - after retries") {
    WebhookReceiver receiver(/*failures=*/2);
    TempDir dir;
    const std::string base = "http://127.0.0.1:" + std::to_string(receiver.port()) + "/hooks";
    auto config = write_config(dir, "[webhooks]\nsecret = \"s3cret\"\nallow = [\"" + base +
                                        "\"]\nallow_internal = [\"127.0.0.1\"]\nbackoff_base = \"10ms\"\nbackoff_max = \"50ms\"\n");
    ServerProcess server(dir.path() / "data", {"--config", config});
    HttpClient http(server.port());
    std::vector<std::string> ids;
    for (int i = 0; i < 3; ++i) {
        auto r = http.post_json("/v1/tasks", {{"kind", "demo.countdown"}, {"params", {{"steps", 1}, {"interval_ms", 0}}},
                                              {"callback_url", base + "/done?n=" + std::to_string(i)}});
        REQUIRE(r.status == 202);
        ids.push_back(r.json()["id"]);
    }
    auto hooks = receiver.wait_for(5);  // 2 refused + 3 accepted
    REQUIRE(hooks.size() == 5);
    std::map<std::string, int> delivered;
    std::map<std::string, std::set<std::string>> delivery_ids;  // per task: one id over all its attempts
    for (const auto& h : hooks) {
        CHECK(h.headers.at("x-taskstream-signature") == "sha256=" + taskstream::hmac_sha256_hex("s3cret", h.body));
        auto task = json::parse(h.body);
        const std::string id = task["id"];
        CHECK(h.headers.at("x-taskstream-delivery").rfind(id + ".", 0) == 0);
        delivery_ids[id].insert(h.headers.at("x-taskstream-delivery"));
        CHECK(task["state"] == "succeeded");
        CHECK(h.target == "/hooks/done?n=" + std::to_string(std::find(ids.begin(), ids.end(), task["id"]) - ids.begin()));
        delivered[task["id"]]++;
    }
    CHECK(delivered.size() == 3);
    for (const auto& [id, ids] : delivery_ids) CHECK(ids.size() == 1);
    CHECK(receiver.wait_for(6, std::chrono::milliseconds(300)).size() == 5);  // and no more than that
}

TEST_CASE("a callback_url off the allowlist is refused at create") {
    TempDir dir;
    auto config = write_config(dir, "[webhooks]\nsecret = \"s\"\nallow = [\"http://127.0.0.1:9/ok/\"]\n"
                                    "allow_internal = [\"127.0.0.1\"]\n");
    ServerProcess server(dir.path() / "data", {"--config", config});
    HttpClient http(server.port());
    for (const auto& url : {"http://127.0.0.1:9/other", "http://169.254.169.254/latest", "file:///etc/passwd", "nonsense"}) {
        auto r = http.post_json("/v1/tasks", {{"kind", "demo.countdown"}, {"callback_url", url}});
        CHECK(r.status == 422);
        CHECK(r.json()["errors"][0]["pointer"] == "/callback_url");
    }
    CHECK(http.post_json("/v1/tasks", {{"kind", "demo.countdown"}, {"params", {{"steps", 1}}},
                                       {"callback_url", "http://127.0.0.1:9/ok/x"}}).status == 202);
}

TEST_CASE("a schedule with every creates normal tasks of its kind") {
    TempDir dir;
    auto config = write_config(dir, "[[schedule]]\nname = \"tick\"\nkind = \"demo.countdown\"\nevery = \"300ms\"\n"
                                    "params = { steps = 1, interval_ms = 0 }\n");
    ServerProcess server(dir.path() / "data", {"--config", config});
    REQUIRE(server.wait_for_log("schedule tick: created task", std::chrono::seconds(10)));
    HttpClient http(server.port());
    auto listed = http.get("/v1/tasks?kind=demo.countdown").json()["tasks"];
    REQUIRE_FALSE(listed.empty());
    CHECK(listed[0]["params"] == json{{"steps", 1}, {"interval_ms", 0}});
}
