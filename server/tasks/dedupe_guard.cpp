#include "tasks/dedupe_guard.hpp"

#include <thread>

#include "core/digest.hpp"

namespace taskstream {

namespace {
constexpr std::chrono::seconds kHold{30};         // a hold lapses by itself if its server dies (past any commit's deadline)
constexpr std::chrono::seconds kWaitAhead{10};    // the longest a request waits for the one ahead of it
constexpr std::chrono::milliseconds kRetry{10};   // the pace of asking again while another server holds the key
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
    if (!existing) return Verdict{.held = true, .hold = hold};
    if (mode == DedupeMode::replace) return Verdict{.supersede = existing, .held = true, .hold = hold};
    release(hold, false);
    return Verdict{.existing = existing};
}

bool DedupeGuard::released_by_commit() const { return claims_.releases_in_commit(); }

void DedupeGuard::release(const std::string& hold, bool committed) {
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
