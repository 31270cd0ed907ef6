#include "hub/fanout_shard.hpp"

#include <algorithm>
#include <utility>

#include "core/metrics.hpp"

namespace taskstream {

namespace {
// Registered at start, so that they show (at 0) before the first use.
auto& events_delivered = metrics::Registry::global().counter(
    "taskstream_events_delivered_total", "Events handed to event streams, once per stream that gets them.");
} // namespace

namespace {

/// Removes the entry of `subscriber` by swapping the last one into its place
/// (the order of readers does not matter; the order of events does, and each
/// reader gets those in sequence).
template <typename Entries>
bool remove_reader(Entries& entries, const Subscriber* subscriber) {
    auto pos = std::find_if(entries.begin(), entries.end(),
                            [&](const auto& r) { return r.subscriber.get() == subscriber; });
    if (pos == entries.end()) return false;
    if (pos != entries.end() - 1) *pos = std::move(entries.back());
    entries.pop_back();
    return true;
}

} // namespace

void FanoutShard::add(const std::string& topic, std::shared_ptr<Subscriber> subscriber, std::uint64_t live_after) {
    std::lock_guard lock(mutex_);
    topics_[topic].push_back(Reader{std::move(subscriber), live_after, nullptr});
    ++readers_;
}

void FanoutShard::add(std::shared_ptr<const TopicFilter> filter, std::shared_ptr<Subscriber> subscriber,
                      std::uint64_t live_after) {
    std::lock_guard lock(mutex_);
    ++readers_;
    if (!filter->prefixes.empty()) {
        by_pattern_.push_back(Reader{std::move(subscriber), live_after, std::move(filter)});
        return;
    }
    // Only exact names (distinct, as parsed): one entry under each.
    Reader reader{std::move(subscriber), live_after, std::move(filter)};
    for (const auto& topic : reader.filter->topics) topics_[topic].push_back(reader);
    named_.emplace(reader.subscriber.get(), std::move(reader));
}

bool FanoutShard::remove(const std::string& topic, const Subscriber* subscriber) {
    std::lock_guard lock(mutex_);
    auto it = topics_.find(topic);
    if (it == topics_.end() || !remove_reader(it->second, subscriber)) return false;
    if (it->second.empty()) topics_.erase(it);
    --readers_;
    return true;
}

bool FanoutShard::remove_filtered(const Subscriber* subscriber) {
    std::lock_guard lock(mutex_);
    if (remove_reader(by_pattern_, subscriber)) {
        --readers_;
        return true;
    }
    auto named = named_.find(subscriber);
    if (named == named_.end()) return false;
    for (const auto& topic : named->second.filter->topics) {
        auto it = topics_.find(topic);
        if (it == topics_.end()) continue;
        remove_reader(it->second, subscriber);
        if (it->second.empty()) topics_.erase(it);
    }
    named_.erase(named);
    --readers_;
    return true;
}

void FanoutShard::enqueue(const EventPtr& event) {
    {
        std::lock_guard lock(inbox_mutex_);
        if (inbox_.size() < inbox_bound_) inbox_.push_back(event);
        else overflowed_ = true;
        if (drain_posted_) return;  // the wake-up already on its way takes this one too
        drain_posted_ = true;
    }
    post_([this] { drain(); });
}

void FanoutShard::drain() {
    std::lock_guard lock(mutex_);
    bool overflowed;
    {
        std::lock_guard inbox_lock(inbox_mutex_);
        batch_.swap(inbox_);
        drain_posted_ = false;
        overflowed = std::exchange(overflowed_, false);
    }
    if (overflowed) {
        // Some events never reached the inbox: no reader here may go on as if it had them all.
        batch_.clear();
        cut_off_all();
        return;
    }
    const std::size_t before = delivered_;
    for (const auto& event : batch_) {
        for (auto& reader : by_pattern_)
            if (event->seq > reader.live_after && reader.filter->matches(*event)) deliver(reader, event);
        auto it = topics_.find(event->topic);
        if (it == topics_.end()) continue;
        // The topic already matched: a multiplexed stream may still limit the kinds.
        for (auto& reader : it->second)
            if (event->seq > reader.live_after && (!reader.filter || reader.filter->matches_task_fields(*event)))
                deliver(reader, event);
    }
    batch_.clear();
    // Counted once per batch: a shared atomic per delivery would cost the fan-out.
    events_delivered.inc(delivered_ - before);
    for (Reader* reader : touched_) {
        reader->touched = false;
        reader->subscriber->flush();
    }
    touched_.clear();
}

void FanoutShard::deliver(Reader& reader, const EventPtr& event) {
    ++delivered_;
    reader.subscriber->deliver(event);
    if (!reader.touched) {
        reader.touched = true;
        touched_.push_back(&reader);
    }
}

void FanoutShard::cut_off_all() {
    for (auto& [topic, readers] : topics_)
        for (auto& reader : readers)
            if (!reader.filter) reader.subscriber->cut_off();
    for (auto& [subscriber, reader] : named_) reader.subscriber->cut_off();
    for (auto& reader : by_pattern_) reader.subscriber->cut_off();
}

void FanoutShard::shutdown() {
    post_([this] {
        std::lock_guard lock(mutex_);
        for (auto& [topic, readers] : topics_)
            for (auto& reader : readers)
                if (!reader.filter) reader.subscriber->shutdown();
        for (auto& [subscriber, reader] : named_) reader.subscriber->shutdown();
        for (auto& reader : by_pattern_) reader.subscriber->shutdown();
    });
}

} // namespace taskstream
