#include "hub/hub.hpp"

#include <algorithm>
#include <set>

#include "core/metrics.hpp"
#include "model/task_topic.hpp"

namespace taskstream {

namespace {
// Registered at start, so that they show (at 0) before the first use.
auto& events_published = metrics::Registry::global().counter(
    "taskstream_events_published_total", "Events sequenced and published to the hub (task and producer events).");
} // namespace

Hub::Hub(Options options) : options_(options) { all_shards_.push_back(&inline_shard_); }

FanoutShard& Hub::add_shard(FanoutShard::Post post) {
    std::lock_guard lock(mutex_);
    shards_.push_back(std::make_unique<FanoutShard>(std::move(post), options_.shard_inbox));
    all_shards_.push_back(shards_.back().get());
    return *shards_.back();
}

FanoutShard& Hub::shard_of(const Subscriber& subscriber) {
    FanoutShard* home = subscriber.home();
    return home ? *home : inline_shard_;
}

Hub::Attachment Hub::attach(const std::string& topic, std::optional<std::uint64_t> after,
                            std::shared_ptr<Subscriber> subscriber) {
    std::lock_guard lock(mutex_);
    auto [it, created] = topics_.try_emplace(topic);
    Topic& t = it->second;
    if (created) t.floor = last_seq_;  // nothing of it in memory: the store has all up to now
    Attachment a;
    a.position = last_seq_;
    // A topic only readers brought into memory (none of its events published since
    // the start) knows nothing of its end: the store does.
    a.topic_known = !t.history.empty();
    a.finished = t.finished;
    if (after) {
        a.store_upto = *after < t.floor ? t.floor : *after;
        for (const auto& e : t.history)
            if (e->seq > *after) a.recent.push_back(e);
    }
    ++t.readers;
    ++subscriber_count_;
    // A client may know an id before it is published here (the publisher is
    // answered at commit): live events start after the later of the two.
    FanoutShard& shard = shard_of(*subscriber);
    shard.add(topic, std::move(subscriber), std::max(last_seq_, after.value_or(0)));
    return a;
}

void Hub::detach(const std::string& topic, const Subscriber* subscriber) {
    std::lock_guard lock(mutex_);
    auto it = topics_.find(topic);
    if (it == topics_.end() || it->second.readers == 0) return;
    if (!shard_of(*subscriber).remove(topic, subscriber)) return;  // not attached there
    --it->second.readers;
    if (--subscriber_count_ == 0) all_detached_.notify_all();
    if (it->second.readers == 0 && it->second.history.empty()) topics_.erase(it);
}

void Hub::continue_after(std::uint64_t seq) {
    std::lock_guard lock(mutex_);
    last_seq_ = std::max(last_seq_, seq);
    all_floor_ = std::max(all_floor_, seq);
    committed_seq_ = std::max(committed_seq_, seq);
}

void Hub::committed_through(std::uint64_t seq) {
    std::lock_guard lock(mutex_);
    committed_seq_ = std::max(committed_seq_, seq);
}

void Hub::retract(const std::vector<EventPtr>& events) {
    if (events.empty()) return;
    std::lock_guard lock(mutex_);
    auto failed = [&events](const EventPtr& e) {
        return std::binary_search(events.begin(), events.end(), e,
                                  [](const EventPtr& a, const EventPtr& b) { return a->seq < b->seq; });
    };
    std::erase_if(all_recent_, failed);
    std::set<std::string> touched;  // each history is swept once, however many of its events failed
    for (const auto& e : events) touched.insert(e->topic);
    for (const auto& topic : touched)
        if (auto it = topics_.find(topic); it != topics_.end()) std::erase_if(it->second.history, failed);
}

Hub::Attachment Hub::attach_filter(std::shared_ptr<const TopicFilter> filter, std::optional<std::uint64_t> after,
                                   std::shared_ptr<Subscriber> subscriber) {
    std::lock_guard lock(mutex_);
    Attachment a;
    a.position = last_seq_;
    a.topic_known = true;
    if (after) {
        a.store_upto = *after < all_floor_ ? all_floor_ : *after;
        for (const auto& e : all_recent_)
            if (e->seq > *after && filter->matches(*e)) a.recent.push_back(e);
    }
    ++filtered_readers_;
    ++subscriber_count_;
    FanoutShard& shard = shard_of(*subscriber);
    shard.add(std::move(filter), std::move(subscriber), std::max(last_seq_, after.value_or(0)));
    return a;
}

void Hub::detach_filter(const Subscriber* subscriber) {
    std::lock_guard lock(mutex_);
    if (!shard_of(*subscriber).remove_filtered(subscriber)) return;  // not attached there
    --filtered_readers_;
    if (--subscriber_count_ == 0) all_detached_.notify_all();
}

void Hub::publish(const EventPtr& event) {
    events_published.inc();
    event->published_ns = std::chrono::steady_clock::now().time_since_epoch().count();
    std::lock_guard lock(mutex_);
    last_seq_ = event->seq;
    all_recent_.push_back(event);
    // Past the bounds, only what the store has leaves memory: a replay reads
    // the store up to the floor and must find everything there.
    while (all_recent_.size() > options_.global_history && all_recent_.front()->seq <= committed_seq_) {
        all_floor_ = all_recent_.front()->seq;
        all_recent_.pop_front();
    }
    auto [it, created] = topics_.try_emplace(event->topic);
    Topic& t = it->second;
    if (created) {
        t.floor = event->seq - 1;
        if (event->kind.empty() && ++producer_topic_count_ > options_.producer_topics)
            forget_unread_producer_topics(event->topic);  // not this one: `t` is in use
    }
    t.history.push_back(event);
    while (t.history.size() > options_.topic_history && t.history.front()->seq <= committed_seq_) {
        t.floor = t.history.front()->seq;
        t.history.pop_front();
    }
    // Shards sort out which of their readers want it; most events have none at all.
    if (t.readers > 0 || filtered_readers_ > 0)
        for (FanoutShard* shard : all_shards_)
            if (shard->readers() > 0) shard->enqueue(event);
    if (!event->terminal) t.finished = false;  // a retried task is live again
    if (event->terminal && !t.finished) {
        t.finished = true;
        finished_order_.push_back(event->topic);
        forget_old_finished_topics();
    }
}

void Hub::forget_old_finished_topics() {
    // Topics still read by someone go to the back: their readers leave after the terminal event.
    for (std::size_t budget = finished_order_.size(); finished_order_.size() > options_.finished_topics && budget > 0;
         --budget) {
        std::string name = std::move(finished_order_.front());
        finished_order_.pop_front();
        auto it = topics_.find(name);
        if (it == topics_.end() || !it->second.finished) continue;  // gone, or live again (it re-enters when done)
        if (it->second.readers == 0) topics_.erase(it);
        else finished_order_.push_back(std::move(name));
    }
}

/// Drops the memory of producers' topics that nobody reads and whose events
/// are all in the store (down to half the bound, so this runs rarely). Task
/// topics are never dropped here: their progress events may not be committed yet.
void Hub::forget_unread_producer_topics(const std::string& keep) {
    for (auto it = topics_.begin(); it != topics_.end() && producer_topic_count_ > options_.producer_topics / 2;) {
        const bool producer = it->second.history.empty() || it->second.history.back()->kind.empty();
        const bool stored = it->second.history.empty() || it->second.history.back()->seq <= committed_seq_;
        if (producer && stored && !is_task_topic(it->first) && it->second.readers == 0 && it->first != keep) {
            it = topics_.erase(it);
            --producer_topic_count_;
        } else {
            ++it;
        }
    }
}

void Hub::shutdown() {
    std::lock_guard lock(mutex_);
    for (FanoutShard* shard : all_shards_) shard->shutdown();
}

bool Hub::wait_until_no_subscribers(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return all_detached_.wait_for(lock, timeout, [&] { return subscriber_count_ == 0; });
}

std::uint64_t Hub::last_seq() const {
    std::lock_guard lock(mutex_);
    return last_seq_;
}

std::size_t Hub::subscriber_count() const {
    std::lock_guard lock(mutex_);
    return subscriber_count_;
}

std::vector<std::string> Hub::read_topics(std::string_view prefix, std::size_t max) const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const auto& [name, topic] : topics_) {
        if (out.size() >= max) break;
        if (topic.readers > 0 && name.starts_with(prefix)) out.push_back(name);
    }
    return out;
}

std::size_t Hub::filtered_readers() const {
    std::lock_guard lock(mutex_);
    return filtered_readers_;
}

} // namespace taskstream
