// DedupeGuard: what a create request's dedupe key says — go ahead (the key is then
// held until the new task is committed or refused), here is the unfinished task of
// the kind with that key (join, reject), or go ahead and supersede that one
// (replace). Requests with one key go one at a time — on this server through a
// wait on the one ahead, across servers through a hold in the store — so the one
// ahead is committed before the next looks: twenty concurrent joins give one task.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>

#include <spdlog/logger.h>

#include "core/outcome.hpp"
#include "store/store.hpp"
#include "tasks/create_request.hpp"

namespace taskstream {

class DedupeGuard {
public:
    struct Verdict {
        std::optional<std::string> existing;   // join or reject: the unfinished task with the key
        std::optional<std::string> supersede;  // replace: end it superseded once the new task is committed
        bool held = false;                     // go ahead; release() follows the commit or the refusal
        std::string hold;                      // held: the claim's name (the commit may give it up: released_by_commit)
    };

    DedupeGuard(DedupeKeys& keys, OnceClaims& claims, std::shared_ptr<spdlog::logger> log)
        : keys_(keys), claims_(claims), log_(std::move(log)) {}

    /// Waits (at most a few seconds) while a request with the same key is being made.
    /// Errors: unavailable (the store, or a request ahead that does not finish).
    Outcome<Verdict> admit(const std::string& kind, const std::string& owner, const std::string& key, DedupeMode mode);
    /// Ends a hold: `committed` when the new task's commit named it (WriteBatch::released_claims).
    void release(const std::string& hold, bool committed);
    /// True when the commit of the new task gives the hold up in the store (no request after it).
    bool released_by_commit() const;

private:
    static std::string hold_name(const std::string& kind, const std::string& owner, const std::string& key);
    void release_local(const std::string& hold);

    DedupeKeys& keys_;
    OnceClaims& claims_;
    std::shared_ptr<spdlog::logger> log_;
    std::mutex mutex_;
    std::condition_variable released_;
    std::unordered_set<std::string> in_flight_;  // holds of keys whose task is being made here
};

} // namespace taskstream
