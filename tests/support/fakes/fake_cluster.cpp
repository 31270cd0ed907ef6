#include "fake_cluster.hpp"

#include <algorithm>

#include "core/clock.hpp"
#include "tasks/waiting_reason.hpp"

namespace taskstream::testing {

void FakeCluster::row_written(const Task& task) {
    std::lock_guard lock(mutex_);
    if (task.state == TaskState::queued || task.state == TaskState::retrying)
        waiting_[task.id] =
            Waiting{task.kind, task.concurrency_key, task.priority, task.scheduled_at, next_order_++, task.expires_at};
    else
        waiting_.erase(task.id);
}

std::uint64_t FakeCluster::assign(std::vector<EventPtr>& events) {
    std::lock_guard lock(mutex_);
    const std::uint64_t first = assigned_ + 1;
    for (auto& e : events)
        e = make_event(++assigned_, e->topic, e->type, e->data, e->ts_ms, e->terminal, e->kind, e->owner);
    return first;
}

void FakeCluster::publish(const std::vector<EventPtr>& events) {
    std::lock_guard lock(mutex_);
    feed_.insert(feed_.end(), events.begin(), events.end());
    fed_.notify_all();
}

std::uint64_t FakeCluster::last_id() const {
    std::lock_guard lock(mutex_);
    return assigned_;
}

bool FakeCluster::claim_once(const std::string& key) {
    std::lock_guard lock(mutex_);
    return once_.insert(key).second;
}

void FakeCluster::release_once(const std::string& key) {
    std::lock_guard lock(mutex_);
    once_.erase(key);
}

void FakeCluster::advance(std::chrono::milliseconds by) {
    std::lock_guard lock(mutex_);
    clock_ms_ += by.count();
}

void FakeCluster::steal(const std::string& task_id, const std::string& node) {
    std::lock_guard lock(mutex_);
    for (auto& [entry, lease] : leases_)
        if (lease.task_id == task_id) {
            lease.node = node;
            lease.renewed_at = clock_ms_;
        }
}

void FakeCluster::hold(const std::string& task_id, const std::string& kind, const std::string& node) {
    std::lock_guard lock(mutex_);
    lease_locked(node, task_id, kind, 0);
}

std::size_t FakeCluster::leases() const {
    std::lock_guard lock(mutex_);
    return leases_.size();
}

std::size_t FakeCluster::claim_calls() const {
    std::lock_guard lock(mutex_);
    return claim_calls_;
}

std::vector<std::string> FakeCluster::messages() const {
    std::lock_guard lock(mutex_);
    return messages_;
}

bool FakeCluster::waiting_contains(const std::string& task_id) const {
    std::lock_guard lock(mutex_);
    return waiting_.contains(task_id);
}

QueueClaim FakeCluster::lease_locked(const std::string& node, const std::string& task_id, const std::string& kind,
                                     std::uint64_t order, const std::string& key) {
    const std::string entry = "entry-" + std::to_string(next_entry_++);
    leases_[entry] = Lease{task_id, kind, key, node, clock_ms_, order};
    return QueueClaim{entry, task_id};
}

Claimed FakeCluster::claim(const std::string& node, std::size_t max, const KindLimits& kinds) {
    std::lock_guard lock(mutex_);
    ++claim_calls_;
    Claimed claimed;
    auto& claims = claimed.claims;
    if (paused_) return claimed;
    const std::int64_t now = now_ms();
    const std::int64_t now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                                    std::chrono::system_clock::now().time_since_epoch()).count();
    std::optional<std::int64_t> held_until;  // the first time a rate lets a held task start
    auto held = [&](std::int64_t next_start_us, std::int64_t ahead_us = 0) {
        if (next_start_us <= now_us + ahead_us) return false;
        if (!held_until || next_start_us < *held_until) held_until = next_start_us;
        return true;
    };
    // Best first: the highest priority, then the first queued.
    std::vector<std::pair<std::string, Waiting>> due;
    for (const auto& [id, w] : waiting_)
        if (w.due_ms <= now) due.emplace_back(id, w);
    std::sort(due.begin(), due.end(), [](const auto& a, const auto& b) {
        return a.second.priority != b.second.priority ? a.second.priority > b.second.priority
                                                      : a.second.order < b.second.order;
    });
    for (const auto& [id, w] : due) {
        if (claims.size() >= max) break;
        auto kind = std::find_if(kinds.begin(), kinds.end(), [&](const auto& k) { return k.kind == w.kind; });
        if (kind == kinds.end() || paused_kinds_.contains(w.kind)) continue;  // a kind this server lacks, or paused
        const auto running = std::count_if(leases_.begin(), leases_.end(),
                                           [&](const auto& l) { return l.second.kind == w.kind; });
        if (kind->limit > 0 && static_cast<std::size_t>(running) >= kind->limit) continue;
        const auto running_key = std::count_if(leases_.begin(), leases_.end(), [&](const auto& l) {
            return l.second.kind == w.kind && l.second.key == w.key;
        });
        if (!w.key.empty() && kind->key_limit > 0 && static_cast<std::size_t>(running_key) >= kind->key_limit) continue;
        // Rates as GCRA without a burst: a start moves the next one to max(it, now) + spacing.
        // Only a rated kind or key keeps a time (as Redis keeps none for the others).
        std::int64_t* kind_next = kind->spacing.count() > 0 ? &kind_next_start_us_[w.kind] : nullptr;
        std::int64_t* key_next =
            !w.key.empty() && kind->key_spacing.count() > 0 ? &key_next_start_us_[{w.kind, w.key}] : nullptr;
        // A kind's starts within the claim-ahead window are claimed at their own turns.
        const std::int64_t ahead_us = std::chrono::duration_cast<std::chrono::microseconds>(kRateClaimAhead).count();
        if ((kind_next && held(*kind_next, ahead_us)) || (key_next && held(*key_next))) continue;
        std::int64_t start_at_us = 0;
        if (kind_next) {
            if (*kind_next > now_us) start_at_us = *kind_next;
            *kind_next = std::max(*kind_next, now_us) + kind->spacing.count();
        }
        if (key_next) *key_next = std::max(*key_next, now_us) + kind->key_spacing.count();
        claims.push_back(lease_locked(node, id, w.kind, w.order, w.key));
        claims.back().start_at_us = start_at_us;
        waiting_.erase(id);
    }
    if (held_until) claimed.rate_wait = std::chrono::milliseconds((*held_until - now_us + 999) / 1000);
    return claimed;
}

std::vector<std::string> FakeCluster::renew(const std::string& node, const std::vector<std::string>& entries) {
    std::lock_guard lock(mutex_);
    std::vector<std::string> lost;
    for (const auto& entry : entries) {
        auto it = leases_.find(entry);
        if (it == leases_.end() || it->second.node != node) lost.push_back(entry);
        else it->second.renewed_at = clock_ms_;
    }
    return lost;
}

bool FakeCluster::release(const std::string& node, const std::string& entry) {
    std::lock_guard lock(mutex_);
    auto it = leases_.find(entry);
    if (it == leases_.end() || it->second.node != node) return false;
    leases_.erase(it);
    return true;
}

std::vector<QueueClaim> FakeCluster::reclaim(const std::string& node, std::size_t max, bool own) {
    std::lock_guard lock(mutex_);
    std::vector<QueueClaim> claims;
    for (auto it = leases_.begin(); it != leases_.end() && claims.size() < max;) {
        Lease& lease = it->second;
        const bool lapsed = clock_ms_ - lease.renewed_at >= lease_.count();
        if (own ? lease.node != node : (lease.node == node || !lapsed)) {
            ++it;
            continue;
        }
        // Queued again since its claim (a shutdown's requeue): the old lease is stale.
        auto queued = waiting_.find(lease.task_id);
        if (queued != waiting_.end() && queued->second.order > lease.queued_order) {
            it = leases_.erase(it);
            continue;
        }
        lease.node = node;
        lease.renewed_at = clock_ms_;
        claims.push_back(QueueClaim{it->first, lease.task_id});
        ++it;
    }
    return claims;
}

bool FakeCluster::withdraw(const std::string& task_id) {
    std::lock_guard lock(mutex_);
    return waiting_.erase(task_id) > 0;
}

std::vector<std::string> FakeCluster::take_expired(std::size_t max) {
    std::lock_guard lock(mutex_);
    const std::int64_t now = now_ms();  // deadlines are wall time, as Redis's TIME
    std::vector<std::string> out;
    for (auto it = waiting_.begin(); it != waiting_.end() && out.size() < max;) {
        if (it->second.expires_ms > 0 && it->second.expires_ms <= now) {
            out.push_back(it->first);
            it = waiting_.erase(it);
        } else {
            ++it;
        }
    }
    return out;
}

std::size_t FakeCluster::waiting() const {
    std::lock_guard lock(mutex_);
    return waiting_.size();
}

void FakeCluster::count_waiting(WaitingCounts& out, const KindLimits& kinds) const {
    std::lock_guard lock(mutex_);
    const std::int64_t now = now_ms();
    const std::int64_t now_us = now * 1000;
    for (const auto& [id, w] : waiting_) {
        if (w.due_ms > now) {
            ++out["scheduled"];
            continue;
        }
        auto kind = std::find_if(kinds.begin(), kinds.end(), [&](const auto& k) { return k.kind == w.kind; });
        if (kind == kinds.end()) continue;
        std::size_t running = 0, running_key = 0;
        for (const auto& [entry, lease] : leases_) {
            if (lease.kind != w.kind) continue;
            ++running;
            if (lease.key == w.key) ++running_key;
        }
        auto next_start = [&](const auto& map, const auto& at) {
            auto it = map.find(at);
            return it == map.end() ? std::int64_t{0} : it->second;
        };
        const bool keyed = !w.key.empty();
        const GroupHold hold{.paused = paused_,
                             .kind_paused = paused_kinds_.contains(w.kind),
                             .key_full = keyed && kind->key_limit > 0 && running_key >= kind->key_limit,
                             .kind_full = kind->limit > 0 && running >= kind->limit,
                             .key_rate_held = keyed && next_start(key_next_start_us_, std::pair{w.kind, w.key}) > now_us,
                             .kind_rate_held = next_start(kind_next_start_us_, w.kind) > now_us};
        ++out[std::string(group_waiting_reason(hold))];
    }
}

void FakeCluster::set_paused(bool paused) {
    std::lock_guard lock(mutex_);
    paused_ = paused;
}

bool FakeCluster::paused() const {
    std::lock_guard lock(mutex_);
    return paused_;
}

void FakeCluster::set_kind_paused(const std::string& kind, bool paused) {
    std::lock_guard lock(mutex_);
    if (paused) paused_kinds_.insert(kind);
    else paused_kinds_.erase(kind);
}

std::set<std::string> FakeCluster::paused_kinds() const {
    std::lock_guard lock(mutex_);
    return paused_kinds_;
}

std::vector<QueueLoad> FakeCluster::loads(const std::vector<std::pair<std::string, std::string>>& kind_keys) const {
    std::lock_guard lock(mutex_);
    std::vector<QueueLoad> out;
    for (const auto& [kind, key] : kind_keys) {
        QueueLoad load;
        if (auto next = kind_next_start_us_.find(kind); next != kind_next_start_us_.end())
            load.kind_next_start_ms = (next->second + 999) / 1000;
        if (auto next = key_next_start_us_.find({kind, key}); !key.empty() && next != key_next_start_us_.end())
            load.key_next_start_ms = (next->second + 999) / 1000;
        for (const auto& [entry, lease] : leases_) {
            if (lease.kind != kind) continue;
            ++load.kind_running;
            if (!key.empty() && lease.key == key) ++load.key_running;
        }
        out.push_back(load);
    }
    return out;
}

void FakeCluster::broadcast(const std::string& message) {
    std::lock_guard lock(mutex_);
    messages_.push_back(message);
    fed_.notify_all();
}

void FakeCluster::read(std::uint64_t& seq, std::size_t& message_index, std::chrono::milliseconds wait,
                       std::vector<EventPtr>& events, std::vector<std::string>& messages) {
    std::unique_lock lock(mutex_);
    fed_.wait_for(lock, wait, [&] { return feed_.size() > seq || messages_.size() > message_index; });
    for (; seq < feed_.size(); ++seq) events.push_back(feed_[seq]);
    for (; message_index < messages_.size(); ++message_index) messages.push_back(messages_[message_index]);
}

} // namespace taskstream::testing
