#include "tasks/create_request.hpp"

#include "core/clock.hpp"
#include "tasks/schema_validator.hpp"

namespace taskstream {
namespace {

const nlohmann::json& body_schema() {
    static const auto schema = nlohmann::json::parse(R"({
      "type": "object",
      "required": ["kind"],
      "additionalProperties": false,
      "properties": {
        "kind": {"type": "string", "minLength": 1, "maxLength": 64},
        "params": {"type": "object"},
        "priority": {"type": "integer", "minimum": -100, "maximum": 100},
        "delay_s": {"type": "number", "minimum": 0, "maximum": 31536000},
        "run_at": {"type": "string", "maxLength": 40},
        "timeout_s": {"type": "number", "exclusiveMinimum": 0, "maximum": 604800},
        "max_retries": {"type": "integer", "minimum": 0, "maximum": 100},
        "backoff_base_s": {"type": "number", "minimum": 0, "maximum": 86400},
        "backoff_max_s": {"type": "number", "minimum": 0, "maximum": 604800},
        "callback_url": {"type": "string", "minLength": 1, "maxLength": 2000}
      }
    })");
    return schema;
}

} // namespace

Outcome<CreateTaskRequest> parse_create_request(const nlohmann::json& body, std::int64_t now) {
    nlohmann::json copy = body;
    if (auto violations = validate_against_schema(body_schema(), copy); !violations.empty())
        return make_error(errc::validation_failed, "the request body does not match the task schema",
                          {{"errors", violations_to_json(violations)}});
    CreateTaskRequest r;
    r.kind = copy["kind"].get<std::string>();
    if (copy.contains("params")) r.params = copy["params"];
    r.priority = copy.value("priority", 0);
    if (copy.contains("delay_s") && copy.contains("run_at"))
        return make_error(errc::validation_failed, "give delay_s or run_at, not both",
                          {{"errors", {{{"pointer", "/run_at"}, {"detail", "excludes delay_s"}}}}});
    if (copy.contains("delay_s"))
        r.run_at_ms = now + static_cast<std::int64_t>(copy["delay_s"].get<double>() * 1000.0);
    if (copy.contains("run_at")) {
        std::int64_t at = 0;
        if (!parse_rfc3339(copy["run_at"].get<std::string>(), at))
            return make_error(errc::validation_failed, "run_at must be an RFC 3339 date-time",
                              {{"errors", {{{"pointer", "/run_at"}, {"detail", "is not an RFC 3339 date-time"}}}}});
        r.run_at_ms = at;
    }
    if (copy.contains("timeout_s")) r.timeout_ms = static_cast<std::int64_t>(copy["timeout_s"].get<double>() * 1000.0);
    if (copy.contains("max_retries")) r.max_retries = copy["max_retries"].get<int>();
    auto ms = [&](const char* key) { return static_cast<std::int64_t>(copy[key].get<double>() * 1000.0); };
    if (copy.contains("backoff_base_s")) r.backoff_base_ms = ms("backoff_base_s");
    if (copy.contains("backoff_max_s")) r.backoff_max_ms = ms("backoff_max_s");
    r.callback_url = copy.value("callback_url", "");
    return r;
}

} // namespace taskstream
