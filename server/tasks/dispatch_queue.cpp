#include "tasks/dispatch_queue.hpp"

namespace taskstream {

void DispatchQueue::set_limits(const std::string& kind_name, std::size_t limit, std::size_t key_limit) {
    Kind& kind = kinds_[kind_name];
    kind.limit = limit;
    kind.key_limit = key_limit;
    std::vector<std::string> keys;
    for (const auto& [key, group] : kind.groups) keys.push_back(key);
    for (const auto& key : keys) relist(kind, kind_name, key);
    relist_kind(kind, kind_name);
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

std::optional<DispatchItem> DispatchQueue::pop() {
    if (heads_.empty()) return std::nullopt;
    const std::string kind_name = heads_.begin()->second;
    Kind& kind = kinds_[kind_name];
    const std::string key = kind.heads.begin()->second;
    Group& group = kind.groups[key];
    auto node = group.items.extract(group.items.begin());
    --size_;
    ++group.running;
    ++kind.running;
    relist(kind, kind_name, key);
    return std::move(node.mapped());
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
    QueueLoad load{.kind_running = kind->second.running};
    if (auto group = kind->second.groups.find(key); !key.empty() && group != kind->second.groups.end())
        load.key_running = group->second.running;
    return load;
}

void DispatchQueue::relist(Kind& kind, const std::string& kind_name, const std::string& key) {
    auto it = kind.groups.find(key);
    Group& group = it->second;
    if (group.listed) kind.heads.erase({*group.listed, key});
    group.listed.reset();
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
    const bool room = !kind.paused && (kind.limit == 0 || kind.running < kind.limit);
    if (room && !kind.heads.empty()) {
        kind.listed = kind.heads.begin()->first;
        heads_.emplace(*kind.listed, kind_name);
    }
}

} // namespace taskstream
