// Filters as a query names them and as a bulk action's filter object holds them:
// the same terms either way, malformed values and unknown names refused with where.
#include <catch2/catch.hpp>

#include "model/task_labels.hpp"
#include "tasks/task_filter.hpp"

using namespace taskstream;
using json = nlohmann::json;

TEST_CASE("task filter: named values build the query - tags add up, the others are given once") {
    TaskFilterBuilder b;
    CHECK_FALSE(b.any());
    CHECK_FALSE(b.add("state", "failed"));
    CHECK_FALSE(b.add("kind", "demo.fail"));
    CHECK_FALSE(b.add("tag", "a"));
    CHECK_FALSE(b.add("tag", "b"));
    CHECK_FALSE(b.add("meta.customer", "42"));
    CHECK_FALSE(b.add("created_before", "2026-01-01T00:00:00Z"));
    CHECK(b.any());
    CHECK(b.query().state == "failed");
    CHECK(b.query().kind == "demo.fail");
    CHECK(b.query().terms == std::vector<std::string>{tag_term("a"), tag_term("b"), meta_term("customer", "42")});
    CHECK(b.query().before);
    auto twice = b.add("state", "queued");
    REQUIRE(twice);
    CHECK(twice->where == "state");
    CHECK(twice->message == "state is given twice");
    CHECK(b.add("state2", "x")->message == "is not a filter");
    CHECK(b.add("tag", "no spaces")->where == "tag");
    CHECK(b.add("created_after", "yesterday")->message == "created_after must be an RFC 3339 date-time");
    CHECK(TaskFilterBuilder::is_filter("meta.x"));
    CHECK_FALSE(TaskFilterBuilder::is_filter("limit"));
}

TEST_CASE("task filter object: the same terms as the query, problems pointed at inside it") {
    TaskFilterBuilder b;
    CHECK_FALSE(add_filter_object({{"tag", {"a", "b"}}, {"meta", {{"customer", 42}, {"urgent", true}, {"region", "eu"}}},
                                   {"key", "k1"}, {"error_type", "timeout"}},
                                  b));
    CHECK(b.query().terms.size() == 7);
    CHECK(std::find(b.query().terms.begin(), b.query().terms.end(), meta_term("customer", "42")) != b.query().terms.end());
    CHECK(std::find(b.query().terms.begin(), b.query().terms.end(), meta_term("urgent", "true")) != b.query().terms.end());

    TaskFilterBuilder one_tag;
    CHECK_FALSE(add_filter_object({{"tag", "a"}}, one_tag));
    CHECK(one_tag.query().terms == std::vector<std::string>{tag_term("a")});

    auto where = [](const json& filter) {
        TaskFilterBuilder fresh;
        auto problem = add_filter_object(filter, fresh);
        return problem ? problem->where : std::string("(none)");
    };
    CHECK(where(json::object()) == "");
    CHECK(where(json::array()) == "");
    CHECK(where({{"colour", "red"}}) == "/colour");
    CHECK(where({{"meta.customer", "42"}}) == "/meta.customer");  // the object form is meta: {...}
    CHECK(where({{"tag", {"a", "b c"}}}) == "/tag/1");
    CHECK(where({{"tag", {"a", 3}}}) == "/tag/1");
    CHECK(where({{"tag", json::array()}}) == "/tag");
    CHECK(where({{"meta", {{"a/b", {1, 2}}}}}) == "/meta/a~1b");
    CHECK(where({{"meta", json::object()}}) == "/meta");
    CHECK(where({{"state", "sleeping"}}) == "/state");
    CHECK(where({{"state", 3}}) == "/state");
    CHECK(where({{"created_after", "soon"}}) == "/created_after");
}

TEST_CASE("task filter: q is a folded search text; all: true takes every task, and only alone") {
    TaskFilterBuilder b;
    CHECK_FALSE(b.add("q", "Disk Full"));
    CHECK(b.query().text == "disk full");
    CHECK(b.add("q", "again")->message == "q is given twice");
    TaskFilterBuilder empty_q;
    CHECK(empty_q.add("q", "")->message == "q is empty");

    TaskFilterBuilder every;
    CHECK_FALSE(add_filter_object({{"all", true}}, every));
    CHECK_FALSE(every.any());
    TaskFilterBuilder searched;
    CHECK_FALSE(add_filter_object({{"q", "disk"}, {"kind", "demo.fail"}}, searched));
    CHECK(searched.query().text == "disk");
    auto where = [](const nlohmann::json& filter) {
        TaskFilterBuilder fresh;
        auto problem = add_filter_object(filter, fresh);
        return problem ? problem->where : std::string("(none)");
    };
    CHECK(where({{"all", false}}) == "");
    CHECK(where({{"all", "yes"}}) == "/all");
    CHECK(where({{"all", true}, {"state", "failed"}}) == "/all");
    CHECK(where({{"q", 3}}) == "/q");
}

