#include <catch2/catch.hpp>

#include <algorithm>

#include "model/task.hpp"
#include "model/task_labels.hpp"

using namespace taskstream;
using json = nlohmann::json;

TEST_CASE("task_labels: a tag is 1 to 64 of A-Z a-z 0-9 _ . : / -") {
    CHECK_FALSE(tag_problem("customer:42/eu_west-1.b"));
    CHECK_FALSE(tag_problem(std::string(64, 'x')));
    CHECK(tag_problem(""));
    CHECK(tag_problem(std::string(65, 'x')));
    for (const char* bad : {"a b", "a,b", "ü", "a\nb", "a=b", "#x"}) CHECK(tag_problem(bad));
}

TEST_CASE("task_labels: the terms are the tags, the key and the scalar top-level metadata, as a query writes them") {
    Task t;
    t.tags = {"nightly", "a:b"};
    t.concurrency_key = "customer 42";
    t.metadata = {{"customer", 42}, {"ratio", 2.0}, {"share", 0.5}, {"urgent", false}, {"region", "eu"},
                  {"nested", {{"a", 1}}}, {"list", {1, 2}}, {"none", nullptr}, {"long", std::string(300, 'x')}};
    CHECK(has_search_terms(t));
    std::vector<std::string> expected{key_term("customer 42"), meta_term("customer", "42"), meta_term("ratio", "2"),
                                      meta_term("region", "eu"),   meta_term("share", "0.5"),   meta_term("urgent", "false"),
                                      tag_term("a:b"),             tag_term("nightly")};
    std::sort(expected.begin(), expected.end());
    CHECK(search_terms(t) == expected);
    Task plain;
    CHECK_FALSE(has_search_terms(plain));
    CHECK(search_terms(plain).empty());
    Task twice;
    twice.tags = {"x", "x"};
    CHECK(search_terms(twice).size() == 1);
}

TEST_CASE("task_labels: a field's name cannot run into its value") {
    // {"a=b": "c"} and {"a": "b=c"} are different fields: their terms differ.
    CHECK(meta_term("a=b", "c") != meta_term("a", "b=c"));
    CHECK(tag_term("meta:1:a=b") != meta_term("a", "b"));
    CHECK(tag_term("key:k") != key_term("k"));
}

TEST_CASE("task_labels: tags and metadata survive the row's JSON, and are absent when empty") {
    Task t;
    t.id = "01J0000000000000000000000A";
    t.kind = "k";
    t.tags = {"x", "y"};
    t.metadata = {{"n", 1}};
    auto back = task_from_json(to_json(t));
    CHECK(back.tags == t.tags);
    CHECK(back.metadata == t.metadata);
    Task plain;
    plain.id = t.id;
    plain.kind = "k";
    const auto j = to_json(plain);
    CHECK_FALSE(j.contains("tags"));
    CHECK_FALSE(j.contains("metadata"));
}

TEST_CASE("task_labels: a finished task's error type is a term, an unfinished one's none") {
    Task t;
    t.state = TaskState::failed;
    t.error = TaskError{"timeout", "too slow"};
    CHECK(end_term(t) == error_term("timeout"));
    CHECK(has_search_terms(Task{}) == false);
    CHECK(search_terms(t) == std::vector<std::string>{error_term("timeout")});
    t.state = TaskState::retrying;  // waiting for its next attempt: its error is not its end
    CHECK_FALSE(end_term(t));
    t.state = TaskState::succeeded;
    t.error.reset();
    CHECK_FALSE(end_term(t));
}
