#include <catch2/catch.hpp>

#include "tasks/schema_validator.hpp"

using namespace taskstream;
using json = nlohmann::json;

namespace {

const json kSchema = json::parse(R"({
  "type": "object",
  "required": ["name"],
  "additionalProperties": false,
  "properties": {
    "name": {"type": "string", "minLength": 1, "maxLength": 5},
    "count": {"type": "integer", "minimum": 1, "maximum": 10, "default": 3},
    "ratio": {"type": "number", "exclusiveMinimum": 0},
    "mode": {"enum": ["fast", "slow"]},
    "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2}
  }
})");

std::vector<std::string> pointers(const std::vector<SchemaViolation>& v) {
    std::vector<std::string> out;
    for (const auto& x : v) out.push_back(x.pointer);
    return out;
}

} // namespace

TEST_CASE("valid input passes and gets its defaults") {
    json v = {{"name", "ab"}};
    CHECK(validate_against_schema(kSchema, v).empty());
    CHECK(v["count"] == 3);
}

TEST_CASE("every violation is reported with its JSON pointer") {
    json v = {{"count", 0}, {"ratio", 0}, {"mode", "medium"}, {"tags", {"a", 1, "c"}}, {"extra", true}};
    auto violations = validate_against_schema(kSchema, v);
    auto p = pointers(violations);
    CHECK(std::count(p.begin(), p.end(), "/name") == 1);     // required
    CHECK(std::count(p.begin(), p.end(), "/count") == 1);    // minimum
    CHECK(std::count(p.begin(), p.end(), "/ratio") == 1);    // exclusiveMinimum
    CHECK(std::count(p.begin(), p.end(), "/mode") == 1);     // enum
    CHECK(std::count(p.begin(), p.end(), "/tags") == 1);     // maxItems
    CHECK(std::count(p.begin(), p.end(), "/tags/1") == 1);   // item type
    CHECK(std::count(p.begin(), p.end(), "/extra") == 1);    // additionalProperties
}

TEST_CASE("types: integer accepts 2.0, rejects 2.5 and strings; string length counts code points") {
    json a = {{"name", "ab"}, {"count", 2.0}};
    CHECK(validate_against_schema(kSchema, a).empty());
    json b = {{"name", "ab"}, {"count", 2.5}};
    CHECK(pointers(validate_against_schema(kSchema, b)) == std::vector<std::string>{"/count"});
    json c = {{"name", "ab"}, {"count", "2"}};
    CHECK(pointers(validate_against_schema(kSchema, c)) == std::vector<std::string>{"/count"});
    json d = {{"name", "ünïcö"}};
    CHECK(validate_against_schema(kSchema, d).empty());
    json e = json::array();
    CHECK(pointers(validate_against_schema(kSchema, e)) == std::vector<std::string>{""});
}

TEST_CASE("schemas with unsupported keywords are refused") {
    CHECK(check_schema(kSchema).empty());
    CHECK_FALSE(check_schema(json::parse(R"({"type":"string","pattern":"^a"})")).empty());
    CHECK_FALSE(check_schema(json::parse(R"({"properties":{"x":{"oneOf":[]}}})")).empty());
}


TEST_CASE("schemas whose keywords have the wrong shape are refused, not thrown on (found by fuzz_task_body)") {
    for (const char* bad : {R"({"type":"object","properties":false})", R"({"properties":[1]})", R"({"type":5})",
                            R"({"type":["string",3]})", R"({"required":[1]})", R"({"required":"x"})", R"({"enum":1})",
                            R"({"minimum":"1"})", R"({"maxLength":-1})", R"({"minItems":1.5})", R"({"maxItems":"2"})",
                            R"({"additionalProperties":{}})", R"({"properties":{"x":{"minLength":"a"}}})"}) {
        INFO(bad);
        std::vector<std::string> problems;
        REQUIRE_NOTHROW(problems = check_schema(json::parse(bad)));
        CHECK_FALSE(problems.empty());
    }
    CHECK(check_schema(json::parse(R"({"type":["string","null"],"minLength":0,"maxItems":3,"enum":["a"]})")).empty());
}
