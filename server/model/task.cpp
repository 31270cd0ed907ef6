#include "model/task.hpp"

#include <algorithm>
#include <array>

#include "core/clock.hpp"

namespace taskstream {
namespace {

constexpr std::array<std::string_view, 8> kStateNames = {"queued", "running",   "retrying", "succeeded",
                                                          "failed", "cancelled", "expired",  "superseded"};

std::int64_t time_from_json(const nlohmann::json& j, const char* key) {
    std::int64_t ms = 0;
    if (auto it = j.find(key); it != j.end() && it->is_string()) parse_rfc3339(it->get<std::string>(), ms);
    return ms;
}

void put_time(nlohmann::json& j, const char* key, std::int64_t ms) {
    j[key] = ms > 0 ? nlohmann::json(format_rfc3339(ms)) : nlohmann::json(nullptr);
}

} // namespace

std::string_view to_string(TaskState s) { return kStateNames[static_cast<std::size_t>(s)]; }

std::optional<TaskState> parse_task_state(std::string_view text) {
    for (std::size_t i = 0; i < kStateNames.size(); ++i)
        if (kStateNames[i] == text) return static_cast<TaskState>(i);
    return std::nullopt;
}

nlohmann::json progress_to_json(const Progress& p) {
    nlohmann::json j = nlohmann::json::object();
    if (p.percent) j["percent"] = *p.percent;
    if (p.current) j["current"] = *p.current;
    if (p.total) j["total"] = *p.total;
    if (!p.message.empty()) j["message"] = p.message;
    return j;
}

nlohmann::json to_json(const Task& t) {
    nlohmann::json j{{"id", t.id},
                     {"kind", t.kind},
                     {"params", t.params},
                     {"state", to_string(t.state)},
                     {"progress", progress_to_json(t.progress)},
                     {"attempt", t.attempt},
                     {"max_attempts", t.max_attempts},
                     {"max_retries", t.max_retries},
                     {"redeliveries", t.redeliveries},
                     {"priority", t.priority},
                     {"timeout_s", t.timeout_ms / 1000.0},
                     {"backoff_base_s", t.backoff_ms / 1000.0},
                     {"backoff_max_s", t.backoff_max_ms / 1000.0}};
    put_time(j, "created_at", t.created_at);
    put_time(j, "scheduled_at", t.scheduled_at);
    put_time(j, "started_at", t.started_at);
    put_time(j, "finished_at", t.finished_at);
    put_time(j, "updated_at", t.updated_at);
    if (t.expires_at > 0) j["expires_at"] = format_rfc3339(t.expires_at);
    if (!t.concurrency_key.empty()) j["concurrency_key"] = t.concurrency_key;
    if (!t.dedupe_key.empty()) j["dedupe_key"] = t.dedupe_key;
    if (!t.after.empty()) {
        j["after"] = t.after;
        j["links"]["after"] = "/v1/tasks/" + t.after;
    }
    if (!t.superseded_by.empty()) {
        j["superseded_by"] = t.superseded_by;
        j["links"]["superseded_by"] = "/v1/tasks/" + t.superseded_by;
    }
    if (!t.callback_url.empty()) j["callback_url"] = t.callback_url;
    if (!t.owner.empty()) j["owner"] = t.owner;
    if (!t.tags.empty()) j["tags"] = t.tags;
    if (!t.metadata.empty()) j["metadata"] = t.metadata;
    if (t.result) j["result"] = *t.result;
    if (t.error) j["error"] = {{"type", t.error->type}, {"message", t.error->message}};
    j["links"]["self"] = "/v1/tasks/" + t.id;
    j["links"]["events"] = "/v1/tasks/" + t.id + "/events";
    return j;
}

Task task_from_json(const nlohmann::json& j) {
    Task t;
    t.id = j.at("id").get<std::string>();
    t.kind = j.at("kind").get<std::string>();
    t.params = j.value("params", nlohmann::json::object());
    auto state = parse_task_state(j.at("state").get<std::string>());
    if (!state) throw std::runtime_error("corrupt task row: bad state");
    t.state = *state;
    const auto& p = j.value("progress", nlohmann::json::object());
    if (p.contains("percent")) t.progress.percent = p["percent"].get<double>();
    if (p.contains("current")) t.progress.current = p["current"].get<std::int64_t>();
    if (p.contains("total")) t.progress.total = p["total"].get<std::int64_t>();
    t.progress.message = p.value("message", "");
    t.attempt = j.value("attempt", 1);
    t.max_attempts = j.value("max_attempts", 1);
    t.max_retries = j.value("max_retries", t.max_attempts - 1);  // rows written before it was kept
    t.redeliveries = j.value("redeliveries", 0);
    t.priority = j.value("priority", 0);
    t.timeout_ms = static_cast<std::int64_t>(j.value("timeout_s", 0.0) * 1000.0);
    t.backoff_ms = static_cast<std::int64_t>(j.value("backoff_base_s", 0.0) * 1000.0);
    t.backoff_max_ms = static_cast<std::int64_t>(j.value("backoff_max_s", 0.0) * 1000.0);
    t.created_at = time_from_json(j, "created_at");
    t.scheduled_at = time_from_json(j, "scheduled_at");
    t.started_at = time_from_json(j, "started_at");
    t.finished_at = time_from_json(j, "finished_at");
    t.expires_at = time_from_json(j, "expires_at");
    // Rows written before it was kept: the latest time they have.
    t.updated_at = j.contains("updated_at") ? time_from_json(j, "updated_at")
                                            : std::max({t.created_at, t.started_at, t.finished_at});
    t.concurrency_key = j.value("concurrency_key", "");
    t.dedupe_key = j.value("dedupe_key", "");
    t.superseded_by = j.value("superseded_by", "");
    t.after = j.value("after", "");
    t.callback_url = j.value("callback_url", "");
    t.owner = j.value("owner", "");
    if (auto it = j.find("tags"); it != j.end() && it->is_array()) t.tags = it->get<std::vector<std::string>>();
    if (auto it = j.find("metadata"); it != j.end() && it->is_object()) t.metadata = *it;
    if (j.contains("result")) t.result = j["result"];
    if (auto it = j.find("error"); it != j.end() && it->is_object())
        t.error = TaskError{it->value("type", ""), it->value("message", "")};
    return t;
}

} // namespace taskstream
