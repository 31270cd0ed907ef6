// FanoutShard: the subscribers of one delivery thread (an I/O thread). The hub
// appends each published event to the inbox of every shard with readers and
// wakes the shard once per batch — a publish crosses threads once per thread,
// not once per subscriber — and the shard fans out on its own thread, where
// its subscribers live and need no lock of their own.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/event.hpp"
#include "hub/subscriber.hpp"
#include "model/topic_filter.hpp"

namespace taskstream {

class FanoutShard {
public:
    /// Runs a function on the shard's thread; may run it at once (an inline shard).
    using Post = std::function<void(std::function<void()>)>;

    /// `inbox_bound`: events waiting for the shard's thread. Past it (the thread
    /// is stalled far behind the publishers) the events are not queued and every
    /// reader of the shard is cut off — they resume from history — instead of
    /// the inbox growing without limit.
    explicit FanoutShard(Post post, std::size_t inbox_bound = std::size_t{1} << 20)
        : post_(std::move(post)), inbox_bound_(inbox_bound) {}
    FanoutShard(const FanoutShard&) = delete;
    FanoutShard& operator=(const FanoutShard&) = delete;

    // The hub calls these with its lock held. Lock order: journal → hub →
    // shard (registrations, held while delivering) → shard inbox.

    /// Registers a reader of `topic` that gets the events with seq > live_after.
    void add(const std::string& topic, std::shared_ptr<Subscriber> subscriber, std::uint64_t live_after);
    void add(std::shared_ptr<const TopicFilter> filter, std::shared_ptr<Subscriber> subscriber,
             std::uint64_t live_after);
    /// False when it was not registered here.
    bool remove(const std::string& topic, const Subscriber* subscriber);
    bool remove_filtered(const Subscriber* subscriber);
    /// Readers registered here (hub lock).
    std::size_t readers() const { return readers_; }
    /// Appends to the inbox; the first event of a batch wakes the shard's thread.
    void enqueue(const EventPtr& event);
    /// On the shard's thread, after what is already in the inbox: every reader's shutdown().
    void shutdown();

private:
    struct Reader {
        std::shared_ptr<Subscriber> subscriber;
        std::uint64_t live_after;  // what it attached after: its replay has the rest
        std::shared_ptr<const TopicFilter> filter;  // a multiplexed stream's; null: a topic's own reader
        bool touched = false;      // got something in the batch being delivered
    };

    void drain();
    void cut_off_all();
    void deliver(Reader& reader, const EventPtr& event);

    Post post_;
    std::size_t readers_ = 0;  // hub lock

    std::mutex inbox_mutex_;  // innermost: nothing is locked under it
    std::vector<EventPtr> inbox_;
    std::size_t inbox_bound_;
    bool drain_posted_ = false;
    bool overflowed_ = false;  // events were refused: the next drain cuts every reader off

    std::mutex mutex_;  // the registrations; held while delivering
    // Readers by topic: a topic's own readers and the multiplexed streams that
    // name it exactly, so that an event costs a lookup, not a pass over every stream.
    std::unordered_map<std::string, std::vector<Reader>> topics_;
    std::unordered_map<const Subscriber*, Reader> named_;  // the streams indexed above, once each
    std::vector<Reader> by_pattern_;  // streams with a pattern: every event is matched against them
    std::vector<EventPtr> batch_;    // the inbox being delivered (its capacity is kept)
    std::size_t delivered_ = 0;      // deliveries so far (the metric is fed once per batch)
    std::vector<Reader*> touched_;   // the readers to flush after the batch
};

} // namespace taskstream
