#include "tasks/idempotency_guard.hpp"

namespace taskstream {

Outcome<std::optional<std::string>> IdempotencyGuard::claim(const std::string& key, const std::string& fingerprint) {
    {
        std::lock_guard lock(mutex_);
        if (!in_flight_.insert(key).second)
            return make_error(errc::conflict, "a request with this Idempotency-Key is still in progress");
    }
    std::optional<IdempotencyRecord> seen;
    try {
        seen = store_.load_idempotency(key);
    } catch (const StoreError& e) {
        release(key);
        return unavailable_after(e, *log_);
    }
    if (!seen) return std::optional<std::string>();
    release(key);
    if (seen->body_hash != fingerprint)
        return make_error(errc::validation_failed, "this Idempotency-Key was used with a different request body");
    return std::optional<std::string>(seen->task_id);
}

void IdempotencyGuard::release(const std::string& key) {
    std::lock_guard lock(mutex_);
    in_flight_.erase(key);
}

} // namespace taskstream
