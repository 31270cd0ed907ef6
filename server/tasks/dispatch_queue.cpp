#include "tasks/dispatch_queue.hpp"

#include <algorithm>

#include "tasks/start_rate.hpp"

namespace taskstream {

namespace {
std::int64_t micros(DispatchQueue::Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}
std::int64_t millis_up(std::int64_t us) { return us <= 0 ? 0 : (us + 999) / 1000; }
} // namespace

void DispatchQueue::set_limits(const KindLimit& limits) {
    Kind& kind = kinds_[limits.kind];
    kind.limit = limits.limit;
    kind.key_limit = limits.key_limit;
    kind.spacing_us = limits.spacing.count();
    kind.key_spacing_us = limits.key_spacing.count();
    std::vector<std::string> keys;
    for (const auto& [key, group] : kind.groups) keys.push_back(key);
    for (const auto& key : keys) relist(kind, limits.kind, key);
    relist_kind(kind, limits.kind);
}

void DispatchQueue::set_paused(const std::string& kind_name, bool paused) {
    Kind& kind = kinds_[kind_name];
    kind.paused = paused;
    relist_kind(kind, kind_name);
}

void DispatchQueue::push(DispatchItem item) {
    const auto ready_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(item.ready_since.time_since_epoch()).count();
    const Score score{ready_ms - std::int64_t{item.priority} * aging_step_.count(), ++arrivals_};
    Kind& kind = kinds_[item.kind];
    const std::string kind_name = item.kind, key = item.key;
    Group& group = kind.groups[key];
    const bool new_head = group.items.empty() || score < group.items.begin()->first;
    group.items.emplace(score, std::move(item));
    ++size_;
    if (new_head) relist(kind, kind_name, key);
}

std::optional<DispatchItem> DispatchQueue::pop(Clock::time_point now) {
    now_us_ = std::max(now_us_, micros(now));
    // What a rate held back and may start now returns to its level (each relist drops its entry).
    while (!kind_rate_waits_.empty() && kind_rate_waits_.begin()->first <= now_us_) {
        const std::string kind_name = kind_rate_waits_.begin()->second;
        relist_kind(kinds_[kind_name], kind_name);
    }
    while (!key_rate_waits_.empty() && std::get<0>(*key_rate_waits_.begin()) <= now_us_) {
        const auto [_, kind_name, key] = *key_rate_waits_.begin();
        relist(kinds_[kind_name], kind_name, key);
    }
    if (heads_.empty()) return std::nullopt;
    const std::string kind_name = heads_.begin()->second;
    Kind& kind = kinds_[kind_name];
    const std::string key = kind.heads.begin()->second;
    Group& group = kind.groups[key];
    auto node = group.items.extract(group.items.begin());
    --size_;
    ++group.running;
    ++kind.running;
    if (kind.spacing_us > 0) kind.next_start_us = std::max(kind.next_start_us, now_us_) + kind.spacing_us;
    if (kind.key_spacing_us > 0 && !key.empty())
        group.next_start_us = std::max(group.next_start_us, now_us_) + kind.key_spacing_us;
    const bool key_waits = !group.items.empty() && group.next_start_us > now_us_;
    relist(kind, kind_name, key);
    // A rate holds back what this start leaves waiting (a metric).
    if (key_waits || (kind.next_start_us > now_us_ && kind.rate_held)) count_rate_held(kind_name);
    return std::move(node.mapped());
}

std::optional<DispatchQueue::Clock::time_point> DispatchQueue::next_rate_start() const {
    std::optional<std::int64_t> first;
    if (!kind_rate_waits_.empty()) first = kind_rate_waits_.begin()->first;
    if (!key_rate_waits_.empty() && (!first || std::get<0>(*key_rate_waits_.begin()) < *first))
        first = std::get<0>(*key_rate_waits_.begin());
    if (!first) return std::nullopt;
    return Clock::time_point(std::chrono::duration_cast<Clock::duration>(std::chrono::microseconds(*first)));
}

void DispatchQueue::finished(const DispatchItem& item) {
    Kind& kind = kinds_[item.kind];
    auto group = kind.groups.find(item.key);
    if (kind.running > 0) --kind.running;
    if (group == kind.groups.end()) return relist_kind(kind, item.kind);
    if (group->second.running > 0) --group->second.running;
    relist(kind, item.kind, item.key);
}

QueueLoad DispatchQueue::load(const std::string& kind_name, const std::string& key) const {
    auto kind = kinds_.find(kind_name);
    if (kind == kinds_.end()) return {};
    QueueLoad load{.kind_running = kind->second.running, .kind_next_start_ms = millis_up(kind->second.next_start_us)};
    if (auto group = kind->second.groups.find(key); !key.empty() && group != kind->second.groups.end()) {
        load.key_running = group->second.running;
        load.key_next_start_ms = millis_up(group->second.next_start_us);
    }
    return load;
}

GroupHold DispatchQueue::hold_of(const Kind& kind, const std::string& key, const Group* group, bool paused,
                                  std::int64_t now_us) const {
    const bool keyed = !key.empty() && group;
    return GroupHold{.paused = paused,
                     .kind_paused = kind.paused,
                     .key_full = keyed && kind.key_limit > 0 && group->running >= kind.key_limit,
                     .kind_full = kind.limit > 0 && kind.running >= kind.limit,
                     .key_rate_held = keyed && group->next_start_us > now_us,
                     .kind_rate_held = kind.next_start_us > now_us};
}

void DispatchQueue::count_waiting(WaitingCounts& out, bool paused, Clock::time_point now) const {
    const std::int64_t now_us = std::max(now_us_, micros(now));
    for (const auto& [kind_name, kind] : kinds_)
        for (const auto& [key, group] : kind.groups)
            if (!group.items.empty())
                out[std::string(group_waiting_reason(hold_of(kind, key, &group, paused, now_us)))] += group.items.size();
}

std::string_view DispatchQueue::waiting_reason_of(const std::string& kind_name, const std::string& key, bool paused,
                                                  Clock::time_point now) const {
    auto kind = kinds_.find(kind_name);
    if (kind == kinds_.end()) return group_waiting_reason(GroupHold{.paused = paused});
    auto group = kind->second.groups.find(key);
    const Group* g = group == kind->second.groups.end() ? nullptr : &group->second;
    return group_waiting_reason(hold_of(kind->second, key, g, paused, std::max(now_us_, micros(now))));
}

void DispatchQueue::relist(Kind& kind, const std::string& kind_name, const std::string& key) {
    auto it = kind.groups.find(key);
    Group& group = it->second;
    if (group.listed) kind.heads.erase({*group.listed, key});
    group.listed.reset();
    if (group.rate_held) key_rate_waits_.erase({*group.rate_held, kind_name, key});
    group.rate_held.reset();
    if (group.next_start_us > now_us_) {
        // Held by its key's rate until then — kept even when empty, so that a task pushed
        // meanwhile cannot start sooner; forgotten once the time has passed.
        group.rate_held = group.next_start_us;
        key_rate_waits_.emplace(group.next_start_us, kind_name, key);
        return relist_kind(kind, kind_name);
    }
    const bool room = key.empty() || kind.key_limit == 0 || group.running < kind.key_limit;
    if (room && !group.items.empty()) {
        group.listed = group.items.begin()->first;
        kind.heads.emplace(*group.listed, key);
    }
    // An empty group that runs nothing is forgotten: memory follows what waits or runs.
    if (group.items.empty() && group.running == 0) kind.groups.erase(it);
    relist_kind(kind, kind_name);
}

void DispatchQueue::relist_kind(Kind& kind, const std::string& kind_name) {
    if (kind.listed) heads_.erase({*kind.listed, kind_name});
    kind.listed.reset();
    if (kind.rate_held) kind_rate_waits_.erase({*kind.rate_held, kind_name});
    kind.rate_held.reset();
    const bool room = !kind.paused && (kind.limit == 0 || kind.running < kind.limit);
    if (!room || kind.heads.empty()) return;
    if (kind.next_start_us > now_us_) {  // its rate says not yet: back at that time
        kind.rate_held = kind.next_start_us;
        kind_rate_waits_.emplace(kind.next_start_us, kind_name);
        return;
    }
    kind.listed = kind.heads.begin()->first;
    heads_.emplace(*kind.listed, kind_name);
}

} // namespace taskstream
