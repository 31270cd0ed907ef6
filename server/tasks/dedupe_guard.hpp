// DedupeGuard: what a create request's dedupe key says — go ahead (the key is then
// held until the new task is committed or refused), here is the unfinished task of
// the kind with that key (join, reject), or go ahead and supersede that one
// (replace). Requests with one key go one at a time — on this server through a
// wait on the one ahead, across servers through a hold in the store — so the one
// ahead is committed before the next looks: twenty concurrent joins give one task.
// Where the store can claim the key in the new task's commit (Redis), a create looks
// nothing up first: only when the commit finds the key taken does it go this way.
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
        bool in_commit = false;                // held on this server only: the commit claims the key itself
    };

    DedupeGuard(DedupeKeys& keys, OnceClaims& claims, std::shared_ptr<spdlog::logger> log)
        : keys_(keys), claims_(claims), log_(std::move(log)) {}

    /// Waits (at most a few seconds) while a request with the same key is being made.
    /// Errors: unavailable (the store, or a request ahead that does not finish).
    Outcome<Verdict> admit(const std::string& kind, const std::string& owner, const std::string& key, DedupeMode mode);
    /// Where the store's commit claims a new task's dedupe key (checks_in_commit): the key held
    /// on this server alone, nothing asked of the store — the commit refuses the task if the
    /// key is taken (then admit() decides). Nullopt when a request with it is being made here,
    /// or the last look-up here found it taken (a refused commit would only cost a round trip).
    std::optional<Verdict> admit_in_commit(const std::string& kind, const std::string& owner, const std::string& key);
    bool checks_in_commit() const { return keys_.checks_dedupe_in_commit(); }
    /// Ends a held verdict's hold: `committed` when the new task's commit named it.
    void release(const Verdict& held, bool committed);
    /// True when the commit of the new task gives the hold up in the store (no request after it).
    bool released_by_commit() const;

private:
    void release_hold(const std::string& hold, bool committed);
    static std::string hold_name(const std::string& kind, const std::string& owner, const std::string& key);
    void release_local(const std::string& hold);
    /// What admit() found: admit_in_commit() leaves a key it found taken to admit() until it is free.
    void remember_taken(const std::string& hold, bool taken);

    DedupeKeys& keys_;
    OnceClaims& claims_;
    std::shared_ptr<spdlog::logger> log_;
    std::mutex mutex_;
    std::condition_variable released_;
    std::unordered_set<std::string> in_flight_;  // holds of keys whose task is being made here
    std::unordered_set<std::string> seen_taken_; // holds of keys admit() last found taken (bounded: kSeenTakenBound)
};

} // namespace taskstream
