#include "http/request_bodies.hpp"

#include "core/clock.hpp"
#include "model/sse_encoder.hpp"
#include "tasks/schema_validator.hpp"

namespace taskstream::http {
namespace {

const nlohmann::json& create_body_schema() {
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

Outcome<CreateTaskRequest> parse_create_request(const nlohmann::json& body) {
    nlohmann::json copy = body;
    if (auto violations = validate_against_schema(create_body_schema(), copy); !violations.empty())
        return make_error(errc::validation_failed, "the request body does not match the task schema",
                          {{"errors", violations_to_json(violations)}});
    if (copy.contains("delay_s") && copy.contains("run_at"))
        return make_error(errc::validation_failed, "give delay_s or run_at, not both",
                          {{"errors", {{{"pointer", "/run_at"}, {"detail", "excludes delay_s"}}}}});
    auto ms = [&](const char* key) -> std::optional<std::int64_t> {
        if (!copy.contains(key)) return std::nullopt;
        return static_cast<std::int64_t>(copy[key].get<double>() * 1000.0);
    };
    CreateTaskRequest r;
    r.kind = copy["kind"].get<std::string>();
    if (copy.contains("params")) r.params = copy["params"];
    r.priority = copy.value("priority", 0);
    r.delay_ms = ms("delay_s");
    if (copy.contains("run_at")) {
        std::int64_t at = 0;
        if (!parse_rfc3339(copy["run_at"].get<std::string>(), at))
            return make_error(errc::validation_failed, "run_at must be an RFC 3339 date-time",
                              {{"errors", {{{"pointer", "/run_at"}, {"detail", "is not an RFC 3339 date-time"}}}}});
        r.run_at_ms = at;
    }
    r.timeout_ms = ms("timeout_s");
    if (copy.contains("max_retries")) r.max_retries = copy["max_retries"].get<int>();
    r.backoff_base_ms = ms("backoff_base_s");
    r.backoff_max_ms = ms("backoff_max_s");
    r.callback_url = copy.value("callback_url", "");
    return r;
}

Outcome<std::vector<ProducerEvent>> parse_producer_events(const nlohmann::json& body) {
    const bool many = body.is_array();
    if (many && (body.empty() || body.size() > 1000))
        return make_error(errc::validation_failed, "send 1 to 1000 events in one request");
    std::vector<ProducerEvent> out;
    out.reserve(many ? body.size() : 1);
    for (std::size_t i = 0; i < (many ? body.size() : 1); ++i) {
        const auto& e = many ? body[i] : body;
        // Only an error names the event: nothing is built for it on the way (this runs per event).
        auto where = [&] { return many ? "/" + std::to_string(i) : std::string(); };
        auto invalid = [&](const std::string& pointer, const std::string& detail) {
            return make_error(errc::validation_failed, "event" + (many ? " " + std::to_string(i) : "") + ": " + detail,
                              {{"errors", {{{"pointer", where() + pointer}, {"detail", detail}}}}});
        };
        if (!e.is_object()) return invalid("", "an event is an object {type?, data}");
        // One pass over the members finds both, and refuses any other.
        const nlohmann::json* type = nullptr;
        const nlohmann::json* data = nullptr;
        for (auto it = e.begin(); it != e.end(); ++it) {
            if (it.key() == "type") type = &it.value();
            else if (it.key() == "data") data = &it.value();
            else return invalid("/" + it.key(), "is not an allowed member");
        }
        if (!data) return invalid("/data", "is required");
        ProducerEvent p;
        if (type) {
            if (!type->is_string() || !sse::is_valid_field(type->get_ref<const std::string&>(), 64))
                return make_error(errc::bad_request, "type must be 1 to 64 characters without control characters",
                                  {{"errors", {{{"pointer", where() + "/type"}, {"detail", "control characters or bad length"}}}}});
            p.type = type->get_ref<const std::string&>();
        }
        p.data = data->is_string() ? data->get_ref<const std::string&>() : data->dump();
        out.push_back(std::move(p));
    }
    return out;
}

} // namespace taskstream::http
