// IdempotencyGuard: what an Idempotency-Key says about a create request — go
// ahead (and the key is held until the task is committed or refused), here is
// the task it made already, or no (in flight, other request, store busy).
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>

#include "core/outcome.hpp"
#include "store/store.hpp"

namespace taskstream {

class IdempotencyGuard {
public:
    IdempotencyGuard(IdempotencyKeys& keys, OnceClaims& claims, std::shared_ptr<spdlog::logger> log)
        : keys_(keys), claims_(claims), log_(std::move(log)) {}

    /// nullopt: no task has this key; it is now held, and release() must follow.
    /// A task id: the key made that task with the same fingerprint (not held).
    /// Errors: conflict (a request with the key is still in flight),
    /// validation_failed (the key was used for another request), unavailable.
    Outcome<std::optional<std::string>> claim(const std::string& key, const std::string& fingerprint);
    void release(const std::string& key);

private:
    void release_local(const std::string& key);

    IdempotencyKeys& keys_;  // what committed tasks' keys say
    OnceClaims& claims_;     // a key held across servers while its task is made
    std::shared_ptr<spdlog::logger> log_;
    std::mutex mutex_;
    std::unordered_set<std::string> in_flight_;  // keys whose task is not committed yet
};

} // namespace taskstream
