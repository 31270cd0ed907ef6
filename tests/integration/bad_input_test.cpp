// Bad input gets a clear RFC 9457 problem and changes nothing.
#include <catch2/catch.hpp>

#include <sqlite3.h>

#include "http_client.hpp"
#include "server_process.hpp"

using namespace taskstream::testing;
using json = nlohmann::json;

namespace {

/// Rows in a table of the server's database (read through SQLite, read-only).
long long count_rows(const std::filesystem::path& data_dir, const std::string& table) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2((data_dir / "taskstream.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_stmt* q = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, ("SELECT COUNT(*) FROM " + table).c_str(), -1, &q, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(q) == SQLITE_ROW);
    auto n = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return n;
}

} // namespace

TEST_CASE("each bad request gets its status as a problem document - and leaves no task behind") {
    TempDir dir;
    ServerProcess server(dir.path(), {"--max-body", "4096"});
    HttpClient http(server.port());
    const Headers json_type{{"Content-Type", "application/json"}};

    struct Case {
        const char* what;
        std::string body;
        Headers headers;
        unsigned status;
    };
    const std::vector<Case> cases = {
        {"not JSON", "{\"kind\":", json_type, 400},
        {"wrong content type", R"({"kind":"demo.countdown"})", {{"Content-Type", "text/plain"}}, 415},
        {"no content type", R"({"kind":"demo.countdown"})", {}, 415},
        {"unknown kind", R"({"kind":"nope"})", json_type, 422},
        {"no kind", R"({"params":{}})", json_type, 422},
        {"body not an object", R"([1,2])", json_type, 422},
        {"unknown member", R"({"kind":"demo.countdown","colour":"red"})", json_type, 422},
        {"params out of range", R"({"kind":"demo.countdown","params":{"steps":0}})", json_type, 422},
        {"params wrong type", R"({"kind":"demo.countdown","params":{"steps":"5"}})", json_type, 422},
        {"params unknown member", R"({"kind":"demo.countdown","params":{"speed":1}})", json_type, 422},
        {"steps too many", R"({"kind":"demo.countdown","params":{"steps":100001}})", json_type, 422},
        {"delay and run_at", R"({"kind":"demo.countdown","delay_s":1,"run_at":"2030-01-01T00:00:00Z"})", json_type, 422},
        {"body too large", std::string(5000, ' '), json_type, 413},
    };
    for (const auto& c : cases) {
        INFO(c.what);
        auto r = http.request("POST", "/v1/tasks", c.body, c.headers);
        CHECK(r.status == c.status);
        CHECK(r.header("content-type") == "application/problem+json");
        auto problem = json::parse(r.body);
        CHECK(problem["status"] == c.status);
        CHECK(problem["title"].is_string());
        CHECK(problem["detail"].is_string());
        CHECK(problem["type"].is_string());
    }
    auto invalid = http.post_json("/v1/tasks", {{"kind", "demo.countdown"}, {"params", {{"steps", -1}, {"extra", 1}}}});
    CHECK(invalid.json()["errors"].size() == 2);

    CHECK(count_rows(dir.path(), "tasks") == 0);
    CHECK(count_rows(dir.path(), "events") == 0);
    // A good request after all that still works.
    CHECK(http.post_json("/v1/tasks", {{"kind", "demo.countdown"}, {"params", {{"steps", 1}}}}).status == 202);
    CHECK(count_rows(dir.path(), "tasks") == 1);
}

TEST_CASE("unknown paths are 404 and wrong methods 405 with Allow - as problems") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    auto missing = http.get("/v2/nothing");
    CHECK(missing.status == 404);
    CHECK(missing.header("content-type") == "application/problem+json");
    auto wrong = http.request("PUT", "/v1/tasks", "{}", {{"Content-Type", "application/json"}});
    CHECK(wrong.status == 405);
    CHECK(wrong.header("allow").find("POST") != std::string::npos);
    CHECK(wrong.header("allow").find("GET") != std::string::npos);
    CHECK(http.get("/v1/tasks/01M89A8M2AEA98N07X21TV6J8Z").status == 404);
}
