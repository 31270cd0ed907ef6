#include <catch2/catch.hpp>

#include "taskstream/task_kind.hpp"

using namespace taskstream;

namespace {

TaskKind kind_with(std::vector<std::string> order) {
    TaskKind k;
    k.name = "reports.export";
    k.params_schema = nlohmann::json::parse(R"({"type": "object", "properties": {
        "rows": {"type": "integer"}, "format": {"type": "string"}, "after": {"type": "string"}}})");
    k.params_order = std::move(order);
    k.handler = [](TaskContext&) { return nlohmann::json(); };
    return k;
}

} // namespace

TEST_CASE("kind registry: a form lists the params in the kind's order, then the rest by name") {
    CHECK(KindRegistry::form_order(kind_with({"rows", "format"})) == std::vector<std::string>{"rows", "format", "after"});
    CHECK(KindRegistry::form_order(kind_with({})) == std::vector<std::string>{"after", "format", "rows"});
    KindRegistry registry;
    CHECK_NOTHROW(registry.add(kind_with({"rows"})));
    KindRegistry other;
    CHECK_THROWS_WITH(other.add(kind_with({"rows", "limit"})),
                      Catch::Contains("params_order names 'limit', which is not in the schema's properties"));
}
