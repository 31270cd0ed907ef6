#include "http/request_bodies.hpp"

#include <algorithm>

#include "core/clock.hpp"
#include "core/json_reader.hpp"
#include "model/sse_encoder.hpp"
#include "model/task_labels.hpp"
#include "tasks/bulk_action.hpp"
#include "tasks/schema_validator.hpp"
#include "tasks/task_filter.hpp"

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
        "callback_url": {"type": "string", "minLength": 1, "maxLength": 2000},
        "concurrency_key": {"type": "string", "minLength": 1, "maxLength": 128},
        "expires_at": {"type": "string", "maxLength": 40},
        "ttl_s": {"type": "number", "exclusiveMinimum": 0, "maximum": 31536000},
        "tags": {"type": "array", "maxItems": 10, "items": {"type": "string", "minLength": 1, "maxLength": 64}},
        "metadata": {"type": "object"},
        "dedupe": {
          "type": "object",
          "required": ["key"],
          "additionalProperties": false,
          "properties": {
            "key": {"type": "string", "minLength": 1, "maxLength": 128},
            "mode": {"enum": ["join", "replace", "reject"]}
          }
        }
      }
    })");
    return schema;
}

/// The RFC 3339 date-time at `name` (ms since the epoch), nullopt when absent, or the 422.
Outcome<std::optional<std::int64_t>> time_field(const nlohmann::json& body, const std::string& name) {
    if (!body.contains(name)) return std::optional<std::int64_t>{};
    std::int64_t at = 0;
    if (!parse_rfc3339(body[name].get<std::string>(), at))
        return make_error(errc::validation_failed, name + " must be an RFC 3339 date-time",
                          {{"errors", {{{"pointer", "/" + name}, {"detail", "is not an RFC 3339 date-time"}}}}});
    return std::optional<std::int64_t>(at);
}

/// A key is shown on pages and in the terminal, and names queues on Redis: printable only.
std::optional<Error> unprintable(const std::string& key, const std::string& name, const std::string& pointer) {
    for (unsigned char c : key)
        if (c < 0x20 || c == 0x7f)
            return make_error(errc::validation_failed, name + " must be printable text",
                              {{"errors", {{{"pointer", pointer}, {"detail", "has a control character"}}}}});
    return std::nullopt;
}

/// The body's tags (each checked, repeats dropped) and metadata (at most 4 KiB), or the 422.
std::optional<Error> read_labels(const nlohmann::json& body, CreateTaskRequest& r) {
    if (auto tags = body.find("tags"); tags != body.end())
        for (std::size_t i = 0; i < tags->size(); ++i) {
            const auto tag = (*tags)[i].get<std::string>();
            if (auto problem = tag_problem(tag))
                return make_error(errc::validation_failed, "tag " + std::to_string(i) + " " + *problem,
                                  {{"errors", {{{"pointer", "/tags/" + std::to_string(i)}, {"detail", *problem}}}}});
            if (std::find(r.tags.begin(), r.tags.end(), tag) == r.tags.end()) r.tags.push_back(tag);
        }
    if (auto metadata = body.find("metadata"); metadata != body.end()) {
        if (metadata->dump().size() > kMaxMetadataBytes)
            return make_error(errc::validation_failed, "metadata must be at most 4 KiB as JSON",
                              {{"errors", {{{"pointer", "/metadata"}, {"detail", "is over 4096 bytes as JSON"}}}}});
        r.metadata = *metadata;
    }
    return std::nullopt;
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
    if (is_system_kind(r.kind))
        return make_error(errc::validation_failed, "kind '" + r.kind + "' is the server's own",
                          {{"errors", {{{"pointer", "/kind"}, {"detail", "is started by its own resource "
                                                                         "(system.bulk: POST /v1/tasks/bulk)"}}}}});
    if (copy.contains("params")) r.params = copy["params"];
    r.priority = copy.value("priority", 0);
    r.delay_ms = ms("delay_s");
    auto run_at = time_field(copy, "run_at");
    if (!run_at) return std::move(run_at).error();
    r.run_at_ms = *run_at;
    r.timeout_ms = ms("timeout_s");
    if (copy.contains("expires_at") && copy.contains("ttl_s"))
        return make_error(errc::validation_failed, "give expires_at or ttl_s, not both",
                          {{"errors", {{{"pointer", "/ttl_s"}, {"detail", "excludes expires_at"}}}}});
    auto expires_at = time_field(copy, "expires_at");
    if (!expires_at) return std::move(expires_at).error();
    r.expires_at_ms = *expires_at;
    r.ttl_ms = ms("ttl_s");
    if (copy.contains("max_retries")) r.max_retries = copy["max_retries"].get<int>();
    r.backoff_base_ms = ms("backoff_base_s");
    r.backoff_max_ms = ms("backoff_max_s");
    r.callback_url = copy.value("callback_url", "");
    r.concurrency_key = copy.value("concurrency_key", "");
    if (auto refused = unprintable(r.concurrency_key, "concurrency_key", "/concurrency_key")) return *refused;
    if (copy.contains("dedupe")) {
        const auto& dedupe = copy["dedupe"];
        r.dedupe_key = dedupe["key"].get<std::string>();
        if (auto refused = unprintable(r.dedupe_key, "dedupe.key", "/dedupe/key")) return *refused;
        const std::string mode = dedupe.value("mode", "join");
        r.dedupe_mode = mode == "replace" ? DedupeMode::replace : mode == "reject" ? DedupeMode::reject : DedupeMode::join;
    }
    if (auto refused = read_labels(copy, r)) return *refused;
    return r;
}

Outcome<std::vector<ProducerEvent>> parse_producer_events(std::string_view body) {
    JsonReader reader(body);
    const bool many = reader.peek() == '[';
    std::vector<ProducerEvent> out;
    // The first event's problem. The body is still read to its end: one that is not
    // JSON is told so first, and a wrong count before any event's problem.
    std::optional<Error> refused;
    std::string name, type;
    auto read_event = [&](std::size_t index) {
        // Only an error names the event: nothing is built for it on the way (this runs per event).
        auto where = [&] { return many ? "/" + std::to_string(index) : std::string(); };
        auto invalid = [&](const std::string& pointer, const std::string& detail) {
            if (!refused)
                refused = make_error(errc::validation_failed, "event" + (many ? " " + std::to_string(index) : "") + ": " + detail,
                                     {{"errors", {{{"pointer", where() + pointer}, {"detail", detail}}}}});
        };
        if (reader.peek() != '{') {
            invalid("", "an event is an object {type?, data}");
            reader.skip_value();
            return;
        }
        reader.begin_object();
        ProducerEvent p;
        bool has_data = false, has_type = false, type_is_string = false;
        for (bool first = true; reader.next_member(name, first);) {
            if (name == "data") {
                // A string is the event's text; any other value, its JSON.
                p.data.clear();
                if (reader.peek() == '"') reader.read_string(p.data);
                else reader.copy_value(p.data);
                has_data = true;
            } else if (name == "type") {
                has_type = true;
                type_is_string = reader.peek() == '"';
                if (type_is_string) reader.read_string(type);
                else reader.skip_value();
            } else {
                invalid("/" + name, "is not an allowed member");
                reader.skip_value();
            }
        }
        if (reader.failed() || refused) return;
        if (!has_data) return invalid("/data", "is required");
        if (has_type) {
            if (!type_is_string || !sse::is_valid_field(type, 64)) {
                refused = make_error(errc::bad_request, "type must be 1 to 64 characters without control characters",
                                     {{"errors", {{{"pointer", where() + "/type"}, {"detail", "control characters or bad length"}}}}});
                return;
            }
            p.type = type;
        }
        out.push_back(std::move(p));
    };
    std::size_t count = 0;
    if (many) {
        reader.begin_array();
        out.reserve(std::min<std::size_t>(1000, body.size() / 11 + 1));  // an event takes 10 characters or more
        for (bool first = true; reader.next_element(first); ++count) read_event(count);
    } else {
        read_event(0);
    }
    if (!reader.finish()) return make_error(errc::bad_request, "the body is not valid JSON");
    if (many && (count == 0 || count > 1000)) return make_error(errc::validation_failed, "send 1 to 1000 events in one request");
    if (refused) return std::move(*refused);
    return out;
}

Outcome<CreateTaskRequest> parse_bulk_request(const nlohmann::json& body, const std::optional<std::string>& scope) {
    static const auto schema = nlohmann::json::parse(R"({
      "type": "object",
      "required": ["action", "filter"],
      "additionalProperties": false,
      "properties": {
        "action": {"enum": ["cancel", "retry", "delete"]},
        "filter": {"type": "object"},
        "max": {"type": "integer", "minimum": 1, "maximum": 100000}
      }
    })");
    nlohmann::json copy = body;
    if (auto violations = validate_against_schema(schema, copy); !violations.empty())
        return make_error(errc::validation_failed, "the request body does not match the bulk action's schema",
                          {{"errors", violations_to_json(violations)}});
    TaskFilterBuilder filter;
    if (auto bad = add_filter_object(copy["filter"], filter))
        return make_error(errc::validation_failed, "filter" + bad->where + ": " + bad->message,
                          {{"errors", {{{"pointer", "/filter" + bad->where}, {"detail", bad->message}}}}});
    BulkPlan plan;
    plan.verb = *parse_bulk_verb(copy["action"].get<std::string>());
    plan.max = copy.value("max", kBulkDefaultMax);
    CreateTaskRequest r;
    r.kind = std::string(kBulkKind);
    r.params = bulk_params(plan, copy["filter"], scope);
    return r;
}

} // namespace taskstream::http
