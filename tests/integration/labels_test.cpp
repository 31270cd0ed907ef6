// Tags and metadata through the API, on one server (and, from the same code, on
// Redis): kept with a task and returned in it, its state events and its webhook;
// lists filtered by them on the stores' indexes, across pages, a restart and a
// delete; bad labels and bad filters refused with nothing stored.
#include <catch2/catch.hpp>

#include <fstream>

#include "http_client.hpp"
#include "server_process.hpp"
#include "webhook_receiver.hpp"

using namespace taskstream::testing;
using json = nlohmann::json;

namespace {

json labelled(const json& tags, const json& metadata) {
    return {{"kind", "demo.noop"}, {"tags", tags}, {"metadata", metadata}};
}

/// The ids `GET /v1/tasks?<query>` lists, newest first, over every page of `limit`.
std::vector<std::string> listed(HttpClient& http, const std::string& query, int limit = 50) {
    std::vector<std::string> ids;
    std::string cursor;
    for (int pages = 0; pages < 20; ++pages) {
        auto r = http.get("/v1/tasks?" + query + "&limit=" + std::to_string(limit) + (cursor.empty() ? "" : "&cursor=" + cursor));
        INFO(r.body);
        REQUIRE(r.status == 200);
        const auto page = r.json();  // held: a range over a temporary's member would dangle
        for (const auto& t : page["tasks"]) ids.push_back(t["id"]);
        if (page["next_cursor"].is_null()) return ids;
        cursor = page["next_cursor"];
    }
    FAIL("more than 20 pages");
    return ids;
}

std::string created(HttpClient& http, const json& body) {
    auto r = http.post_json("/v1/tasks", body);
    INFO(r.body);
    REQUIRE(r.status == 202);
    return r.json()["id"];
}

using Ids = std::vector<std::string>;

} // namespace

TEST_CASE("tags and metadata: kept with the task and in its events, found by tag and by metadata field, also after a restart") {
    TempDir dir;
    auto server = std::make_unique<ServerProcess>(dir.path());
    HttpClient http(server->port());
    const json metadata{{"customer", 42}, {"region", "eu"}, {"urgent", true}, {"ratio", 2.0}, {"nested", {{"a", 1}}}};
    const auto a = created(http, labelled({"nightly", "customer:42", "nightly"}, metadata));
    const auto b = created(http, labelled({"nightly"}, {{"customer", "7"}, {"region", "eu"}}));
    const auto c = created(http, {{"kind", "demo.noop"}});

    auto task = http.get("/v1/tasks/" + a).json();
    CHECK(task["tags"] == json({"nightly", "customer:42"}));  // a repeat is dropped
    CHECK(task["metadata"] == metadata);
    CHECK_FALSE(http.get("/v1/tasks/" + c).json().contains("tags"));
    for (const auto& e : task_events(server->port(), a)) {  // every state event carries them, to its end
        if (e.type != "state") continue;
        CHECK(json::parse(e.data)["tags"] == task["tags"]);
        CHECK(json::parse(e.data)["metadata"] == metadata);
    }

    CHECK(listed(http, "tag=nightly") == Ids{b, a});
    CHECK(listed(http, "tag=nightly&tag=customer:42") == Ids{a});
    CHECK(listed(http, "tag=customer:42&tag=nightly&state=succeeded&kind=demo.noop") == Ids{a});
    CHECK(listed(http, "tag=nightly&kind=demo.countdown").empty());
    CHECK(listed(http, "tag=weekly").empty());
    CHECK(listed(http, "meta.customer=42") == Ids{a});
    CHECK(listed(http, "meta.customer=7") == Ids{b});  // a string field, as written
    CHECK(listed(http, "meta.region=eu&tag=nightly") == Ids{b, a});
    CHECK(listed(http, "meta.urgent=true") == Ids{a});
    CHECK(listed(http, "meta.ratio=2") == Ids{a});  // 2.0 is found as 2
    CHECK(listed(http, "meta.region=EU").empty());
    CHECK(listed(http, "meta.nested=%7B%22a%22%3A1%7D").empty());  // only strings, numbers and booleans are indexed

    // Paging over a filter: every match once, newest first, in pages of 2.
    Ids many;
    for (int i = 0; i < 5; ++i) many.insert(many.begin(), created(http, labelled({"batch-7"}, {{"i", i}})));
    CHECK(listed(http, "tag=batch-7", 2) == many);

    server.reset();  // the indexes are in the store, not this process
    server = std::make_unique<ServerProcess>(dir.path());
    HttpClient again(server->port());
    CHECK(listed(again, "tag=nightly&meta.region=eu") == Ids{b, a});
    CHECK(listed(again, "tag=batch-7", 2) == many);

    // A deleted task is found by nothing.
    REQUIRE(json::parse(task_events(server->port(), a).back().data)["state"] == "succeeded");
    REQUIRE(again.request("DELETE", "/v1/tasks/" + a).status == 204);
    CHECK(listed(again, "tag=nightly") == Ids{b});
    CHECK(listed(again, "meta.customer=42").empty());
}

TEST_CASE("tags and metadata reach a task's webhook") {
    WebhookReceiver receiver;
    TempDir dir;
    const std::string base = "http://127.0.0.1:" + std::to_string(receiver.port()) + "/hooks";
    const auto config = (dir.path() / "taskstream.toml").string();
    std::ofstream(config) << "[webhooks]\nsecret = \"s\"\nallow = [\"" + base + "\"]\nallow_internal = [\"127.0.0.1\"]\n";
    ServerProcess server(dir.path() / "data", {"--config", config});
    HttpClient http(server.port());
    auto body = labelled({"invoice"}, {{"order", "A-17"}});
    body["callback_url"] = base + "/done";
    created(http, body);
    auto hooks = receiver.wait_for(1);
    REQUIRE(hooks.size() == 1);
    auto task = json::parse(hooks[0].body);
    CHECK(task["tags"] == json({"invoice"}));
    CHECK(task["metadata"] == json({{"order", "A-17"}}));
}

TEST_CASE("bad labels are a 422 that points at them, bad filters a 400 - nothing is stored") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    auto refused = [&](const json& body, const std::string& pointer) {
        auto r = http.post_json("/v1/tasks", body);
        CHECK(r.status == 422);
        CHECK(r.json()["errors"][0]["pointer"] == pointer);
    };
    refused(labelled({"ok", "not ok"}, json::object()), "/tags/1");
    refused(labelled({"ok", ""}, json::object()), "/tags/1");
    refused(labelled({"ok", std::string(65, 'x')}, json::object()), "/tags/1");
    refused(labelled({"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"}, json::object()), "/tags");
    refused(labelled("nightly", json::object()), "/tags");
    refused(labelled(json::array({1}), json::object()), "/tags/0");
    refused(labelled(json::array(), json::array({1})), "/metadata");
    refused(labelled(json::array(), {{"blob", std::string(4100, 'x')}}), "/metadata");
    CHECK(http.post_json("/v1/tasks", labelled(json::array(), {{"blob", std::string(4000, 'x')}})).status == 202);

    const std::vector<std::string> bad_filters{"tag=not%20ok", "tag=", "meta.=1", "meta." + std::string(65, 'f') + "=1",
                                               "meta.f=" + std::string(300, 'v'), "metadata.f=1", "tags=a"};
    for (const auto& query : bad_filters) {
        auto r = http.get("/v1/tasks?" + query);
        CHECK(r.status == 400);
        CHECK(r.json()["type"].get<std::string>().find("bad-request") != std::string::npos);
    }
    CHECK(http.get("/v1/tasks").json()["tasks"].size() == 1);  // only the one with 4,000 bytes of metadata
}

TEST_CASE("lists by concurrency key and by creation time, with the other filters and across pages") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    auto keyed = [&](const std::string& key) {
        return created(http, {{"kind", "demo.noop"}, {"concurrency_key", key}, {"tags", {"t"}}});
    };
    const auto a = keyed("customer 42");
    const auto b = keyed("customer 7");
    const auto created_at = [&](const std::string& id) { return http.get("/v1/tasks/" + id).json()["created_at"].get<std::string>(); };
    const auto first_time = created_at(a);
    // The next task is created in a later millisecond than `a` (ids are ULIDs in creation order).
    std::string c;
    do c = keyed("customer 42");
    while (created_at(c) == first_time);
    CHECK(listed(http, "key=customer%2042") == Ids{c, a});
    CHECK(listed(http, "key=customer%2042&tag=t", 1) == Ids{c, a});
    CHECK(listed(http, "key=customer%207") == Ids{b});
    CHECK(listed(http, "key=nobody").empty());
    // created_after: at or after it; created_before: before it.
    const auto last_time = created_at(c);
    CHECK(listed(http, "key=customer%2042&created_after=" + last_time) == Ids{c});
    CHECK(listed(http, "key=customer%2042&created_before=" + last_time) == Ids{a});
    CHECK(listed(http, "created_after=" + first_time + "&created_before=" + last_time).size() >= 1);
    CHECK(listed(http, "created_before=" + first_time).empty());
    CHECK(listed(http, "created_after=2999-01-01T00:00:00Z").empty());
    for (const char* bad : {"created_after=yesterday", "created_before=", "key="})
        CHECK(http.get(std::string("/v1/tasks?") + bad).status == 400);
}

TEST_CASE("lists by error type: failed and expired tasks by theirs, not after a retry that succeeds") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    auto ended = [&](const std::string& id) { return json::parse(task_events(server.port(), id).back().data); };
    const auto failed = created(http, {{"kind", "demo.fail"}, {"tags", {"e"}}});
    const auto other = created(http, {{"kind", "demo.fail"}});
    REQUIRE(ended(failed)["error"]["type"] == "demo_failure");
    REQUIRE(ended(other)["state"] == "failed");
    REQUIRE(http.request("POST", "/v1/kinds/demo.noop/pause").status == 200);
    const auto expired = created(http, {{"kind", "demo.noop"}, {"ttl_s", 0.05}});
    REQUIRE(ended(expired)["state"] == "expired");
    CHECK(listed(http, "error_type=demo_failure") == Ids{other, failed});
    CHECK(listed(http, "error_type=demo_failure&tag=e") == Ids{failed});
    CHECK(listed(http, "error_type=expired") == Ids{expired});
    CHECK(listed(http, "error_type=timeout").empty());
    // Retried, it has no error while it waits; once it runs and succeeds, none again.
    REQUIRE(http.request("POST", "/v1/tasks/" + expired + "/retry").status == 202);
    CHECK(listed(http, "error_type=expired").empty());
    REQUIRE(http.request("POST", "/v1/kinds/demo.noop/resume").status == 200);
    REQUIRE(ended(expired)["state"] == "succeeded");
    CHECK(listed(http, "error_type=expired").empty());
    CHECK(http.get("/v1/tasks?error_type=").status == 400);
}

TEST_CASE("q searches the id, kind, tags and error text, in any ASCII case, with the other filters and across pages") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    auto ended = [&](const std::string& id) { return json::parse(task_events(server.port(), id).back().data); };
    const auto tagged = created(http, {{"kind", "demo.noop"}, {"tags", {"Invoice:2026-07"}}});
    const auto full = created(http, {{"kind", "demo.fail"}, {"params", {{"message", "Disk FULL on /var"}}}});
    const auto other = created(http, {{"kind", "demo.fail"}, {"params", {{"message", "no route to host"}}},
                                      {"metadata", {{"note", "disk"}}}});
    REQUIRE(ended(tagged)["state"] == "succeeded");
    REQUIRE(ended(full)["state"] == "failed");
    REQUIRE(ended(other)["state"] == "failed");
    CHECK(listed(http, "q=invoice%3A2026") == Ids{tagged});
    CHECK(listed(http, "q=disk+full") == Ids{full});          // a form's + is a space
    CHECK(listed(http, "q=DISK") == Ids{full});               // metadata and params are not searched
    CHECK(listed(http, "q=demo.", 1) == (Ids{other, full, tagged}));  // one a page, to the end
    CHECK(listed(http, "q=demo.fail&state=failed") == (Ids{other, full}));
    CHECK(listed(http, "q=route&kind=demo.noop").empty());
    std::string lower_id = full;  // ids are ULIDs in capitals; ids made in one millisecond share a long prefix
    for (auto& c : lower_id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    CHECK(listed(http, "q=" + lower_id) == Ids{full});
    CHECK(listed(http, "q=nothing+like+it").empty());
    CHECK(http.get("/v1/tasks?q=").status == 400);
    CHECK(http.get("/v1/tasks?q=" + std::string(201, 'a')).status == 400);
    CHECK(http.get("/v1/tasks?q=a&q=b").status == 400);
}
