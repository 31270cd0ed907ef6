#include "tasks/cluster_worker.hpp"

#include <algorithm>

#include "core/thread_name.hpp"
#include "store/store.hpp"
#include "tasks/start_rate.hpp"

namespace taskstream {

ClusterWorker::ClusterWorker(WorkQueue& queue, KindLimits kinds, Options options, Hooks hooks,
                             std::shared_ptr<spdlog::logger> log)
    : queue_(queue), kinds_(std::move(kinds)), options_(options), hooks_(std::move(hooks)), log_(std::move(log)) {}

ClusterWorker::~ClusterWorker() { stop(); }

void ClusterWorker::start() {
    thread_ = std::thread([this] {
        name_this_thread("ts-claims");
        run();
    });
}

void ClusterWorker::stop_claiming() {
    std::lock_guard lock(mutex_);
    claiming_ = false;
}

void ClusterWorker::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void ClusterWorker::wake() {
    {
        std::lock_guard lock(mutex_);
        woken_ = true;
    }
    wake_.notify_all();
}

void ClusterWorker::done(const std::string& task_id) {
    {
        std::lock_guard lock(mutex_);
        if (!held_.contains(task_id)) return;
        done_.push_back(task_id);
        woken_ = true;
    }
    wake_.notify_all();
}

void ClusterWorker::abandon(const std::string& task_id) {
    std::lock_guard lock(mutex_);
    held_.erase(task_id);
}

bool ClusterWorker::holds(const std::string& task_id) const {
    std::lock_guard lock(mutex_);
    return held_.contains(task_id);
}

std::size_t ClusterWorker::held() const {
    std::lock_guard lock(mutex_);
    return held_.size();
}

void ClusterWorker::forget_locked(const std::string& task_id, const std::string& entry) {
    auto it = held_.find(task_id);
    if (it == held_.end()) return;
    std::erase(it->second, entry);
    if (it->second.empty()) held_.erase(it);
}

namespace {
constexpr std::size_t kExpiriesPerPoll = 100;  // tasks past their start deadline ended per wake-up
constexpr std::size_t kReleasesPerRequest = 256;  // leases released in one request to the queue
}

/// Worker's thread: what a server died holding under this server's name (an
/// earlier life of it) is taken back at once; then, until stopped: releases,
/// renewals every third of the lease, reclaims of lapsed leases, and claims.
void ClusterWorker::run() {
    using Clock = std::chrono::steady_clock;
    bool failing = false;
    auto next_renew = Clock::now() + options_.lease / 3;
    auto next_reclaim = Clock::now();
    bool own_taken = false;
    std::optional<Clock::time_point> rate_due;  // a task held back by its start rate may start then
    for (;;) {
        bool claiming;
        {
            auto wait = std::chrono::duration_cast<Clock::duration>(options_.poll);
            if (rate_due) wait = std::clamp(*rate_due - Clock::now(), Clock::duration::zero(), wait);
            std::unique_lock lock(mutex_);
            wake_.wait_for(lock, wait, [&] { return woken_ || stopping_; });
            woken_ = false;
            claiming = claiming_ && !stopping_;
        }
        try {
            release_done();
            {
                std::lock_guard lock(mutex_);
                if (stopping_) return;
            }
            if (Clock::now() >= next_renew) {
                renew();
                next_renew = Clock::now() + options_.lease / 3;
            }
            if (claiming) {
                if (!own_taken) {
                    take_all(queue_.reclaim_own(hooks_.free_slots() + 100), true);
                    own_taken = true;
                }
                if (Clock::now() >= next_reclaim) {
                    take_all(queue_.reclaim(hooks_.free_slots()), true);
                    next_reclaim = Clock::now() + options_.lease / 2;
                }
                auto claimed = queue_.claim(hooks_.free_slots(), kinds_);
                for (const auto& [kind, n] : claimed.rate_held) count_rate_held(kind, n);
                rate_due.reset();
                if (claimed.rate_wait) rate_due = Clock::now() + *claimed.rate_wait;
                take_all(std::move(claimed.claims), false);
                if (hooks_.expired)
                    for (const auto& id : queue_.take_expired(kExpiriesPerPoll)) hooks_.expired(id);
            }
            if (failing) log_->info("queue: reachable again");
            failing = false;
        } catch (const std::exception& e) {  // StoreError, or a reply of an unexpected shape
            if (!failing) log_->warn("queue: {}", e.what());
            failing = true;
        }
    }
}

void ClusterWorker::take_all(std::vector<QueueClaim> claims, bool reclaimed) {
    for (auto& c : claims) {
        {
            std::lock_guard lock(mutex_);
            held_[c.task_id].push_back(c.entry);  // before take(): holds() is true while the engine sets it up
        }
        Taken taken = Taken::release;
        try {
            taken = hooks_.take(c, reclaimed);
        } catch (const std::exception& e) {  // the store away, or a row that does not parse
            log_->warn("queue: task {} could not be taken ({}); it is left for its lease to lapse", c.task_id, e.what());
            taken = Taken::leave;
        }
        if (taken == Taken::hold) {
            if (reclaimed) log_->info("queue: took over task {} from a server that stopped renewing it", c.task_id);
            continue;
        }
        {
            std::lock_guard lock(mutex_);
            forget_locked(c.task_id, c.entry);
        }
        if (taken == Taken::release) queue_.release(c.entry);
    }
}

void ClusterWorker::release_done() {
    std::vector<std::pair<std::string, std::string>> leases;
    {
        std::lock_guard lock(mutex_);
        // The oldest lease of a task first; two done() of one task release two leases.
        std::unordered_map<std::string, std::size_t> taken;
        for (const auto& id : done_)
            if (auto it = held_.find(id); it != held_.end() && taken[id] < it->second.size())
                leases.emplace_back(id, it->second[taken[id]++]);
        done_.clear();
    }
    // A batch of them in each request (one round trip on Redis, not one per task).
    for (std::size_t from = 0; from < leases.size(); from += kReleasesPerRequest) {
        const std::size_t to = std::min(leases.size(), from + kReleasesPerRequest);
        std::vector<std::string> entries;
        for (std::size_t i = from; i < to; ++i) entries.push_back(leases[i].second);
        try {
            queue_.release_all(entries);
        } catch (const StoreError&) {
            std::lock_guard lock(mutex_);  // tried again on the next round (a release is idempotent)
            for (std::size_t j = from; j < leases.size(); ++j) done_.push_back(leases[j].first);
            throw;
        }
        std::lock_guard lock(mutex_);
        for (std::size_t i = from; i < to; ++i) forget_locked(leases[i].first, leases[i].second);
    }
}

void ClusterWorker::renew() {
    std::vector<std::string> entries;
    std::unordered_map<std::string, std::string> task_of;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [task, held] : held_)
            for (const auto& entry : held) {
                entries.push_back(entry);
                task_of[entry] = task;
            }
    }
    for (const auto& entry : queue_.renew(entries)) {
        const auto& task = task_of[entry];
        bool running_attempt = false;  // an older lease is one whose attempt ended already
        {
            std::lock_guard lock(mutex_);
            auto it = held_.find(task);
            running_attempt = it != held_.end() && it->second.back() == entry;
            forget_locked(task, entry);
        }
        if (!running_attempt) continue;
        log_->warn("queue: the lease of task {} lapsed and another server holds it now; this server lets it go", task);
        hooks_.lost(task);
    }
}

} // namespace taskstream
