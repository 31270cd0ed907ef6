#include "tasks/create_request.hpp"

#include "core/digest.hpp"

namespace taskstream {

std::string fingerprint(const CreateTaskRequest& r) {
    auto optional = [](const auto& v) { return v ? nlohmann::json(*v) : nlohmann::json(); };
    nlohmann::json canonical{{"kind", r.kind},
                                   {"params", r.params},
                                   {"priority", r.priority},
                                   {"delay_ms", optional(r.delay_ms)},
                                   {"run_at_ms", optional(r.run_at_ms)},
                                   {"timeout_ms", optional(r.timeout_ms)},
                                   {"max_retries", optional(r.max_retries)},
                                   {"backoff_base_ms", optional(r.backoff_base_ms)},
                                   {"backoff_max_ms", optional(r.backoff_max_ms)},
                                   {"callback_url", r.callback_url}};
    if (!r.owner.empty()) canonical["owner"] = r.owner;  // absent without auth: older keys still match
    if (!r.concurrency_key.empty()) canonical["concurrency_key"] = r.concurrency_key;  // likewise
    if (r.expires_at_ms) canonical["expires_at_ms"] = *r.expires_at_ms;
    if (r.ttl_ms) canonical["ttl_ms"] = *r.ttl_ms;
    if (!r.tags.empty()) canonical["tags"] = r.tags;
    if (!r.metadata.empty()) canonical["metadata"] = r.metadata;
    if (!r.dedupe_key.empty())
        canonical["dedupe"] = {r.dedupe_key, static_cast<int>(r.dedupe_mode)};
    return sha256_hex(canonical.dump());
}

} // namespace taskstream
