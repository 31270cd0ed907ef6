// Hub: topics, their bounded in-memory history, and fan-out of live events to
// subscribers. The journal publishes into it in global sequence order; each
// event goes once to every FanoutShard (delivery thread) with readers, which
// hands it to its own subscribers.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/event.hpp"
#include "hub/fanout_shard.hpp"
#include "hub/subscriber.hpp"
#include "model/topic_filter.hpp"

namespace taskstream {

class Hub {
public:
    struct Options {
        /// Events kept in memory per topic. Uncommitted events stay beyond it
        /// (the journal's queue bounds them), so that a replay finds in the store
        /// everything memory no longer has.
        std::size_t topic_history = 1024;
        /// Finished topics kept in memory for fast replay, oldest dropped first.
        std::size_t finished_topics = 1000;
        /// The newest events of all topics, for multiplexed replays (uncommitted ones stay beyond it too).
        std::size_t global_history = 4096;
        /// Producers' topics kept in memory; past it, those nobody reads and whose
        /// events are all committed are dropped (the store has them).
        std::size_t producer_topics = 10000;
        /// Events waiting for one delivery thread (FanoutShard's inbox bound).
        std::size_t shard_inbox = std::size_t{1} << 20;
    };

    /// What a new subscriber needs to replay: the store holds the topic's events
    /// with after < seq ≤ store_upto (read those first), then `recent` follows
    /// without a gap, then live events arrive through Subscriber::deliver().
    struct Attachment {
        std::vector<EventPtr> recent;
        std::uint64_t store_upto = 0;
        std::uint64_t position = 0;  // the last id published before the attach
        bool topic_known = false;    // memory holds events of the topic (it tells whether it is finished)
        bool finished = false;       // its terminal event has been published
    };

    explicit Hub(Options options);
    Hub() : Hub(Options{}) {}

    /// A delivery thread: `post` runs a function on it. Call before serving;
    /// the hub owns the shard. Subscribers name theirs through Subscriber::home().
    FanoutShard& add_shard(FanoutShard::Post post);

    /// Registers `subscriber` for live events of `topic` and snapshots its replay
    /// after `after` (none: live only). No event can fall between the snapshot
    /// and the first live delivery, whichever thread attaches: the shard takes the
    /// reader under its lock and delivers only what follows the snapshot.
    Attachment attach(const std::string& topic, std::optional<std::uint64_t> after,
                      std::shared_ptr<Subscriber> subscriber);
    void detach(const std::string& topic, const Subscriber* subscriber);

    /// A multiplexed stream: live events matching `filter`, and what to replay
    /// after `after` (none without one: live only) — the store's matching
    /// events with after < seq ≤ store_upto first, then `recent`.
    Attachment attach_filter(std::shared_ptr<const TopicFilter> filter, std::optional<std::uint64_t> after,
                             std::shared_ptr<Subscriber> subscriber);
    void detach_filter(const Subscriber* subscriber);

    /// Sets the id the sequence continues from (the journal's start after a
    /// restart), so that topics not in memory are read from the store up to it.
    void continue_after(std::uint64_t seq);
    /// Called by the journal (under its lock), or by the EventRelay where the store gives
    /// the ids (several servers), in strictly increasing seq order.
    /// Does not wait for any subscriber: shards deliver on their own threads.
    void publish(const EventPtr& event);
    /// Every event with seq ≤ `seq` is in the store (the journal, after a commit):
    /// memory of those may be dropped.
    void committed_through(std::uint64_t seq);
    /// The journal, under its lock, after a commit of these events failed: memory
    /// forgets them, so a replay shows what the store has. (Live readers may have
    /// had the ones published before their commit, as producers' events are.)
    void retract(const std::vector<EventPtr>& events);
    /// Tells every subscriber that the server is going away.
    void shutdown();

    /// Waits until every subscriber has detached, at most `timeout`. True if none is left.
    bool wait_until_no_subscribers(std::chrono::milliseconds timeout);

    std::uint64_t last_seq() const;
    std::size_t subscriber_count() const;
    /// Topics starting with `prefix` that a stream of their own reads here, at most `max`.
    std::vector<std::string> read_topics(std::string_view prefix, std::size_t max) const;
    /// Multiplexed streams open here (any of them may show any topic).
    std::size_t filtered_readers() const;

private:
    struct Topic {
        std::deque<EventPtr> history;
        std::uint64_t floor = 0;  // memory holds every event of the topic with seq > floor
        std::size_t readers = 0;
        bool finished = false;
    };
    void forget_old_finished_topics();
    /// Never `keep`: the topic being published to.
    void forget_unread_producer_topics(const std::string& keep);

    Options options_;
    /// Topics, history, registrations. Lock order: journal → hub → shard → shard inbox
    /// (the journal publishes under its lock; the hub registers readers with a shard under its own).
    mutable std::mutex mutex_;
    std::condition_variable all_detached_;
    std::unordered_map<std::string, Topic> topics_;
    std::deque<std::string> finished_order_;
    FanoutShard& shard_of(const Subscriber& subscriber);

    FanoutShard inline_shard_{[](std::function<void()> f) { f(); }};  // subscribers without a home
    std::vector<std::unique_ptr<FanoutShard>> shards_;
    std::vector<FanoutShard*> all_shards_;  // shards_ and inline_shard_
    std::size_t filtered_readers_ = 0;
    std::deque<EventPtr> all_recent_;   // the newest events of every topic
    std::uint64_t all_floor_ = 0;       // all_recent_ holds every event with seq > all_floor_
    std::size_t producer_topic_count_ = 0;
    std::uint64_t last_seq_ = 0;
    std::uint64_t committed_seq_ = 0;  // the store has every event up to it
    std::size_t subscriber_count_ = 0;
};

} // namespace taskstream
