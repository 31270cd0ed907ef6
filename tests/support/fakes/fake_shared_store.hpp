// FakeSharedStore: one server's view of a store several servers share, built from
// a real store (SQLite in a temp dir, one for all the servers of a test) and the
// FakeCluster: a numbered commit takes its ids from the cluster and goes on its feed, a queued or retrying row goes on its queue, and claims
// hold across servers — what RedisStore does in its write script.
#pragma once

#include <algorithm>

#include "fake_cluster.hpp"
#include "store/event_feed.hpp"
#include "interposed_store.hpp"

namespace taskstream::testing {

class FakeSharedStore : public InterposedStore, public NumberingStore {
public:
    FakeSharedStore(Store& inner, FakeCluster& cluster) : InterposedStore(inner), cluster_(cluster) {}

    void write(const WriteBatch& batch) override {
        std::lock_guard commit(cluster_.commit_lock());
        InterposedStore::write(batch);
        for (const Task* task : batch.tasks) cluster_.row_written(*task);
    }
    std::uint64_t write_numbered(const WriteBatch& batch) override {
        std::lock_guard commit(cluster_.commit_lock());
        WriteBatch numbered = batch;
        const std::uint64_t first = cluster_.assign(numbered.events);
        InterposedStore::write(numbered);  // throws: nothing numbered is published
        cluster_.publish(numbered.events);
        for (const Task* task : batch.tasks) cluster_.row_written(*task);
        return first;
    }
    std::uint64_t seq_ceiling() override { return std::max(InterposedStore::seq_ceiling(), cluster_.last_id()); }
    bool claim_once(const std::string& key, std::chrono::milliseconds) override { return cluster_.claim_once(key); }
    void release_once(const std::string& key) override { cluster_.release_once(key); }

private:
    FakeCluster& cluster_;
};

/// One server's EventFeed on the fake cluster.
class FakeEventFeed final : public EventFeed {
public:
    explicit FakeEventFeed(FakeCluster& cluster) : cluster_(cluster) {}

    void start_after(std::uint64_t seq) override {
        seq_ = seq;
        message_index_ = cluster_.messages().size();
    }
    FeedRead read(std::chrono::milliseconds wait) override {
        FeedRead got;
        cluster_.read(seq_, message_index_, wait, got.events, got.messages);
        return got;
    }

private:
    FakeCluster& cluster_;
    std::uint64_t seq_ = 0;
    std::size_t message_index_ = 0;
};

} // namespace taskstream::testing
