// InterposedStore: a real store with a test's hands in the path — every call
// goes to the inner store, after the hook for it (which may block, to hold a
// commit, or throw StoreError, to make a read fail). Hooks are set before use.
#pragma once

#include <functional>

#include "store/store.hpp"

namespace taskstream::testing {

class InterposedStore : public Store {
public:
    explicit InterposedStore(Store& inner) : inner_(inner) {}

    std::function<void(const WriteBatch&)> before_write;
    std::function<void(const std::string& id)> before_load_task;

    void write(const WriteBatch& batch) override {
        if (before_write) before_write(batch);
        inner_.write(batch);
    }
    bool claim_once(const std::string& key, std::chrono::milliseconds ttl) override { return inner_.claim_once(key, ttl); }
    void release_once(const std::string& key) override { inner_.release_once(key); }
    std::optional<Task> load_task(const std::string& id) override {
        if (before_load_task) before_load_task(id);
        return inner_.load_task(id);
    }
    std::vector<EventPtr> load_events(const std::string& topic, std::uint64_t after, std::uint64_t upto,
                                      ReadLimit limit = {}) override {
        return inner_.load_events(topic, after, upto, limit);
    }
    std::vector<Task> list_tasks(const TaskQuery& query) override { return inner_.list_tasks(query); }
    std::map<std::string, std::size_t> count_tasks(const TaskQuery& query) override { return inner_.count_tasks(query); }
    std::optional<IdempotencyRecord> load_idempotency(const std::string& key) override {
        return inner_.load_idempotency(key);
    }
    std::optional<std::string> load_dedupe(const std::string& kind, const std::string& owner,
                                           const std::string& key) override {
        return inner_.load_dedupe(kind, owner, key);
    }
    std::vector<EventPtr> load_matching(const TopicFilter& filter, std::uint64_t after, std::uint64_t upto,
                                        ReadLimit limit = {}) override {
        return inner_.load_matching(filter, after, upto, limit);
    }
    std::vector<Task> load_unfinished_tasks() override { return inner_.load_unfinished_tasks(); }
    std::uint64_t seq_ceiling() override { return inner_.seq_ceiling(); }
    PruneResult prune(const RetentionPolicy& policy, std::int64_t now_ms) override {
        return inner_.prune(policy, now_ms);
    }
    bool is_gone(const std::string& task_id) override { return inner_.is_gone(task_id); }
    std::uint64_t pruned_floor(const std::string& topic) override { return inner_.pruned_floor(topic); }
    std::uint64_t pruned_floor(const TopicFilter& filter) override { return inner_.pruned_floor(filter); }
    std::vector<PendingCallback> due_callbacks(std::int64_t now_ms, std::size_t limit) override {
        return inner_.due_callbacks(now_ms, limit);
    }
    std::vector<StatsRow> read_stats(const std::optional<std::string>& kind, std::int64_t from, std::int64_t to) override {
        return inner_.read_stats(kind, from, to);
    }
    void settle_callback(const std::string& delivery_id, int attempts, std::optional<std::int64_t> next_due_ms) override {
        inner_.settle_callback(delivery_id, attempts, next_due_ms);
    }

private:
    Store& inner_;
};

} // namespace taskstream::testing
