// Fuzz target: JSON bodies as the API reads them — a task creation, producer
// events — and a kind's JSON Schema with a value checked against it (when the
// schema itself is one we accept). Nothing may throw; a value that passes
// validation passes again unchanged (defaults are filled once). Producer events,
// read without a document, must agree with nlohmann's reading of the same text:
// the same texts refused as not JSON, the same outcome, the same events.
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "http/request_bodies.hpp"
#include "model/sse_encoder.hpp"
#include "tasks/schema_validator.hpp"

using namespace taskstream;
using json = nlohmann::json;

namespace {

/// The producer-event rules applied to a document: the error code of the first
/// event at fault (members, then data, then type), or none.
std::optional<errc> expected_refusal(const json& body) {
    const bool many = body.is_array();
    if (many && (body.empty() || body.size() > 1000)) return errc::validation_failed;
    for (std::size_t i = 0; i < (many ? body.size() : 1); ++i) {
        const json& e = many ? body[i] : body;
        if (!e.is_object()) return errc::validation_failed;
        for (const auto& [key, value] : e.items())
            if (key != "type" && key != "data") return errc::validation_failed;
        if (!e.contains("data")) return errc::validation_failed;
        if (e.contains("type") && (!e["type"].is_string() || !sse::is_valid_field(e["type"].get<std::string>(), 64)))
            return errc::bad_request;
    }
    return std::nullopt;
}

void check_producer_events(const std::string& input, const json& doc) {
    const auto events = http::parse_producer_events(input);
    const bool not_json = !events && events.error().detail == "the body is not valid JSON";
    // nlohmann stops at a NUL byte as at the end of the text ("1\0x" reads as 1); the
    // reader does not (RFC 8259 has no such end), so there it may only refuse more.
    const bool nul = input.find('\0') != std::string::npos;
    if (doc.is_discarded() && !not_json) std::abort();
    if (!doc.is_discarded() && not_json && !nul) std::abort();
    if (not_json) return;
    const auto refusal = expected_refusal(doc);
    if (refusal.has_value() == static_cast<bool>(events)) std::abort();
    if (refusal) {
        if (events.error().code != *refusal) std::abort();
        return;
    }
    const bool many = doc.is_array();
    if (events->size() != (many ? doc.size() : 1)) std::abort();
    for (std::size_t i = 0; i < events->size(); ++i) {
        const json& e = many ? doc[i] : doc;
        const auto& got = events->at(i);
        if (got.type != e.value("type", std::string("message"))) std::abort();
        const json& data = e["data"];
        const bool same = data.is_string() ? got.data == data.get<std::string>()
                                           : json::parse(got.data, nullptr, false) == data;
        if (!same) std::abort();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* raw, std::size_t size) {
    const std::string input(reinterpret_cast<const char*>(raw), size);
    json doc = json::parse(input, nullptr, /*allow_exceptions=*/false);
    check_producer_events(input, doc);
    if (doc.is_discarded()) return 0;
    (void)http::parse_create_request(doc);
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
