// SchemaValidator: checks a JSON value against the JSON Schema subset that
// task kinds use, and fills in `default` values.
//
// Supported keywords: type (string or array), properties, required,
// additionalProperties (bool), minimum, maximum, exclusiveMinimum,
// exclusiveMaximum, minLength, maxLength, pattern-free enum, const, items,
// minItems, maxItems, default, description/title (ignored).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace taskstream {

struct SchemaViolation {
    std::string pointer;  // JSON Pointer to the offending value, "" for the root
    std::string message;
};

/// Validates `value` in place: missing properties that have a `default` are
/// filled in first. Returns every violation found (empty = valid).
std::vector<SchemaViolation> validate_against_schema(const nlohmann::json& schema, nlohmann::json& value);

/// The violations as a JSON array of {pointer, detail} (RFC 9457 extension member).
nlohmann::json violations_to_json(const std::vector<SchemaViolation>& violations);

/// Checks that a schema uses only the supported subset; returns problems found.
std::vector<std::string> check_schema(const nlohmann::json& schema);

} // namespace taskstream
