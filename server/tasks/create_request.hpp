// CreateTaskRequest: what a client asks for when it creates a task, already
// typed (the HTTP layer parses the body into it; the scheduler builds it). The
// params are checked later against their kind's schema.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace taskstream {

/// What a create with a dedupe key does while a task of its kind with that key is unfinished.
enum class DedupeMode {
    join,     // the request is answered with that task (200)
    replace,  // that task, if it has not started, ends superseded; the new one is created
    reject,   // 409, naming that task
};

struct CreateTaskRequest {
    std::string kind;
    nlohmann::json params = nlohmann::json::object();
    int priority = 0;
    std::optional<std::int64_t> delay_ms{};   // run this long after creation …
    std::optional<std::int64_t> run_at_ms{};  // … or at this time (ms since the epoch), not both
    std::optional<std::int64_t> timeout_ms{};
    std::optional<std::int64_t> expires_at_ms{};  // the start deadline (ms since the epoch) …
    std::optional<std::int64_t> ttl_ms{};         // … or this long after creation, not both
    std::optional<int> max_retries{};
    std::optional<std::int64_t> backoff_base_ms{};
    std::optional<std::int64_t> backoff_max_ms{};
    std::string callback_url{};
    std::string concurrency_key{};  // empty: none
    std::string dedupe_key{};       // empty: none
    DedupeMode dedupe_mode = DedupeMode::join;
    std::vector<std::string> tags{};                      // checked (model/task_labels), without repeats
    nlohmann::json metadata{};                            // checked: an object of at most 4 KiB; null: none
    std::string owner{};  // who asks (the token's subject), set by the HTTP layer, never from the body
};

/// A digest of everything the request asks for: what an Idempotency-Key is bound
/// to (the same key with another fingerprint is refused). A delay counts as
/// given, not as the time it resolves to, so a retried request matches.
std::string fingerprint(const CreateTaskRequest& request);

} // namespace taskstream
