#include "tasks/dedupe_guard.hpp"

#include <thread>

#include "core/digest.hpp"

namespace taskstream {

namespace {
constexpr std::chrono::seconds kHold{30};         // a hold lapses by itself if its server dies (past any commit's deadline)
constexpr std::chrono::seconds kWaitAhead{10};    // the longest a request waits for the one ahead of it
constexpr std::chrono::milliseconds kRetry{10};   // the pace of asking again while another server holds the key
constexpr std::size_t kSeenTakenBound = 10000;    // keys remembered as taken; past it, forgotten all at once
} // namespace

std::string DedupeGuard::hold_name(const std::string& kind, const std::string& owner, const std::string& key) {
    return "dedupe-in-flight:" + kind + ":" + sha256_hex(owner + '\0' + key);
}

Outcome<DedupeGuard::Verdict> DedupeGuard::admit(const std::string& kind, const std::string& owner,
                                                 const std::string& key, DedupeMode mode) {
    const std::string hold = hold_name(kind, owner, key);
    const auto deadline = std::chrono::steady_clock::now() + kWaitAhead;
    DedupeLookup found;
    auto too_long = [] { return make_error(errc::unavailable, "a request with this dedupe key is still being made; try again"); };
    for (;;) {
        {
            // One at a time here: the next waits until the one ahead is committed or refused.
            std::unique_lock lock(mutex_);
            if (!released_.wait_until(lock, deadline, [&] { return !in_flight_.contains(hold); })) return too_long();
            in_flight_.insert(hold);
        }
        try {
            // The hold and the look-up in one step (one round trip on Redis).
            found = keys_.hold_and_load_dedupe(claims_, hold, kHold, kind, owner, key);
            if (found.held) break;
        } catch (const StoreError& e) {
            release_local(hold);
            return unavailable_after(e, *log_);
        }
        // Another server is making a task with this key: ask again once it may be done.
        release_local(hold);
        if (std::chrono::steady_clock::now() + kRetry > deadline) return too_long();
        std::this_thread::sleep_for(kRetry);
    }
    const auto& existing = found.existing;
    remember_taken(hold, existing.has_value());
    if (!existing) return Verdict{.held = true, .hold = hold};
    if (mode == DedupeMode::replace) return Verdict{.supersede = existing, .held = true, .hold = hold};
    release_hold(hold, false);
    return Verdict{.existing = existing};
}

std::optional<DedupeGuard::Verdict> DedupeGuard::admit_in_commit(const std::string& kind, const std::string& owner,
                                                                 const std::string& key) {
    std::string hold = hold_name(kind, owner, key);
    std::lock_guard lock(mutex_);
    if (seen_taken_.contains(hold) || !in_flight_.insert(hold).second) return std::nullopt;
    return Verdict{.held = true, .hold = std::move(hold), .in_commit = true};
}

void DedupeGuard::remember_taken(const std::string& hold, bool taken) {
    std::lock_guard lock(mutex_);
    if (!taken) {
        seen_taken_.erase(hold);
        return;
    }
    if (seen_taken_.size() >= kSeenTakenBound) seen_taken_.clear();
    seen_taken_.insert(hold);
}

bool DedupeGuard::released_by_commit() const { return claims_.releases_in_commit(); }

void DedupeGuard::release(const Verdict& held, bool committed) {
    if (held.in_commit) release_local(held.hold);  // nothing held in the store
    else release_hold(held.hold, committed);
}

void DedupeGuard::release_hold(const std::string& hold, bool committed) {
    if (!committed || !claims_.releases_in_commit()) {
        try {
            claims_.release_once(hold);
        } catch (const StoreError& e) {
            log_->warn("dedupe: the hold on a key was not released ({}); it lapses by itself", e.what());
        }
    }
    release_local(hold);
}

void DedupeGuard::release_local(const std::string& hold) {
    {
        std::lock_guard lock(mutex_);
        in_flight_.erase(hold);
    }
    released_.notify_all();
}

} // namespace taskstream
