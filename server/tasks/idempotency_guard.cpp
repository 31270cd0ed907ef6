#include "tasks/idempotency_guard.hpp"

namespace taskstream {

namespace {
const std::string kInFlight = "idem-in-flight:";
constexpr std::chrono::seconds kInFlightHold{30};  // past any commit's deadline
} // namespace

Outcome<std::optional<std::string>> IdempotencyGuard::claim(const std::string& key, const std::string& fingerprint) {
    {
        std::lock_guard lock(mutex_);
        if (!in_flight_.insert(key).second)
            return make_error(errc::conflict, "a request with this Idempotency-Key is still in progress");
    }
    std::optional<IdempotencyRecord> seen;
    try {
        seen = keys_.load_idempotency(key);
    } catch (const StoreError& e) {
        release_local(key);
        return unavailable_after(e, *log_);
    }
    if (!seen) {
        // Held across servers too (where there are others): of two requests with one key
        // on two servers at once, one goes ahead. The hold lapses by itself if this server dies.
        try {
            if (!claims_.claim_once(kInFlight + key, kInFlightHold)) {
                release_local(key);
                return make_error(errc::conflict, "a request with this Idempotency-Key is still in progress");
            }
            // Another server may have committed it between the read and the hold.
            seen = keys_.load_idempotency(key);
            if (!seen) return std::optional<std::string>();
        } catch (const StoreError& e) {
            release(key);
            return unavailable_after(e, *log_);
        }
        release(key);
    } else {
        release_local(key);
    }
    if (seen->body_hash != fingerprint)
        return make_error(errc::validation_failed, "this Idempotency-Key was used with a different request body");
    return std::optional<std::string>(seen->task_id);
}

void IdempotencyGuard::release(const std::string& key) {
    try {
        claims_.release_once(kInFlight + key);
    } catch (const StoreError& e) {
        log_->warn("idempotency: the hold on a key was not released ({}); it lapses by itself", e.what());
    }
    release_local(key);
}

void IdempotencyGuard::release_local(const std::string& key) {
    std::lock_guard lock(mutex_);
    in_flight_.erase(key);
}

} // namespace taskstream
