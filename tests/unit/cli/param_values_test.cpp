#include <catch2/catch.hpp>

#include "cli/param_values.hpp"

using namespace taskstream::cli;
using nlohmann::json;

namespace {

const json kSchema = json::parse(R"({
  "type": "object",
  "properties": {
    "steps": {"type": "integer"},
    "ratio": {"type": "number"},
    "dry_run": {"type": "boolean"},
    "files": {"type": "array", "items": {"type": "string"}},
    "options": {"type": "object"},
    "name": {"type": "string"},
    "limit": {"type": ["integer", "null"]}
  }
})");

} // namespace

TEST_CASE("params: each --param is typed by the kind's schema") {
    auto p = params_from_arguments({"steps=3", "ratio=0.5", "dry_run=true", "name=42", "limit=7", "extra=x"}, "", kSchema);
    CHECK(p == json{{"steps", 3}, {"ratio", 0.5}, {"dry_run", true}, {"name", "42"}, {"limit", 7}, {"extra", "x"}});
}

TEST_CASE("params: arrays from JSON or from repeated plain values; objects from JSON") {
    CHECK(params_from_arguments({"files=[\"a\",\"b\"]"}, "", kSchema)["files"] == json{"a", "b"});
    CHECK(params_from_arguments({"files=a.txt", "files=b.txt"}, "", kSchema)["files"] == json{"a.txt", "b.txt"});
    CHECK(params_from_arguments({"options={\"x\":1}"}, "", kSchema)["options"] == json{{"x", 1}});
}

TEST_CASE("params: --param adds to and overrides --params-json") {
    auto p = params_from_arguments({"steps=9"}, R"({"steps": 1, "name": "n"})", kSchema);
    CHECK(p == json{{"steps", 9}, {"name", "n"}});
}

TEST_CASE("params: a value that does not fit its type is a usage error naming it") {
    auto message = [](std::vector<std::string> pairs, std::string params_json = "") {
        try {
            params_from_arguments(pairs, params_json, kSchema);
        } catch (const UsageError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK(message({"steps=three"}) == "--param steps=three: not an integer");
    CHECK(message({"steps=3.5"}) == "--param steps=3.5: not an integer");
    CHECK(message({"ratio=fast"}) == "--param ratio=fast: not a number");
    CHECK(message({"dry_run=maybe"}) == "--param dry_run=maybe: not true or false");
    CHECK(message({"files=[oops"}) == "--param files=[oops: not a JSON array");
    CHECK(message({"options=1"}) == "--param options=1: not a JSON object");
    CHECK(message({"novalue"}) == "--param novalue: expected KEY=VALUE");
    CHECK(message({"=x"}) == "--param =x: expected KEY=VALUE");
    CHECK(message({}, "[1]") == "--params-json: not a JSON object");
}
