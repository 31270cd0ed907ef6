// Fuzz target: JSON bodies as the API reads them — a task creation, producer
// events — and a kind's JSON Schema with a value checked against it (when the
// schema itself is one we accept). Nothing may throw; a value that passes
// validation passes again unchanged (defaults are filled once).
#include <cstdint>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "http/request_bodies.hpp"
#include "tasks/schema_validator.hpp"

using namespace taskstream;
using json = nlohmann::json;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* raw, std::size_t size) {
    const std::string input(reinterpret_cast<const char*>(raw), size);
    json doc = json::parse(input, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) return 0;
    (void)http::parse_create_request(doc);
    (void)http::parse_producer_events(doc);
    if (!doc.is_object() || !doc.contains("schema") || !doc.contains("value")) return 0;
    const json& schema = doc["schema"];
    if (!check_schema(schema).empty()) return 0;
    json value = doc["value"];
    const auto violations = validate_against_schema(schema, value);
    (void)violations_to_json(violations).dump(-1, ' ', false, json::error_handler_t::replace);
    if (violations.empty()) {
        json again = value;
        if (!validate_against_schema(schema, again).empty() || again != value) std::abort();
    }
    return 0;
}
