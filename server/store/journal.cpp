#include "store/journal.hpp"

#include <optional>
#include <unordered_set>

#include "core/clock.hpp"

namespace taskstream {

Journal::Journal(Store& store, Hub& hub, Options options, std::shared_ptr<spdlog::logger> log)
    : store_(store), hub_(hub), options_(options), log_(std::move(log)) {}

Journal::~Journal() { stop(); }

void Journal::start() {
    last_seq_ = store_.seq_ceiling();
    hub_.continue_after(last_seq_);
    reserve_ids();
    next_maintenance_ = std::chrono::steady_clock::now() + options_.maintenance_interval;
    writer_ = std::thread([this] { run(); });
}

void Journal::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        stopping_ = true;
    }
    wake_writer_.notify_one();
    room_available_.notify_all();
    if (writer_.joinable()) writer_.join();
}

bool Journal::try_append(Entry entry) { return append(std::move(entry), std::chrono::milliseconds(0)); }

bool Journal::try_append_all(std::vector<Entry> entries) {
    std::lock_guard lock(mutex_);
    if (writer_done_ || queue_.size() + entries.size() > options_.queue_bound) return false;
    const bool was_empty = queue_.empty();
    for (auto& e : entries) queue_.push_back(std::move(e));
    if (was_empty) wake_writer_.notify_one();
    return true;
}

bool Journal::append(Entry entry, std::chrono::milliseconds wait) {
    std::unique_lock lock(mutex_);
    if (!room_available_.wait_for(lock, wait, [&] { return stopping_ || queue_.size() < options_.queue_bound; }))
        return false;
    if (writer_done_) return false;
    queue_.push_back(std::move(entry));
    if (queue_.size() == 1) wake_writer_.notify_one();
    return true;
}

/// Writer thread: takes everything queued, adds it to the pending batch and
/// commits when a durable entry is in it, the batch is full, or the oldest
/// progress/log entry has waited group_commit.
void Journal::run() {
    std::vector<Entry> batch;
    for (;;) {
        bool stopping;
        {
            std::unique_lock lock(mutex_);
            auto ready = [&] { return stopping_ || !queue_.empty(); };
            std::optional<std::chrono::steady_clock::time_point> wake_at;
            if (maintenance_) wake_at = next_maintenance_;
            if (!pending_.empty())
                wake_at = std::min(wake_at.value_or(first_pending_at_ + options_.group_commit),
                                   first_pending_at_ + options_.group_commit);
            if (wake_at) wake_writer_.wait_until(lock, *wake_at, ready);
            else wake_writer_.wait(lock, ready);
            batch.swap(queue_);
            stopping = stopping_;
        }
        room_available_.notify_all();
        for (auto& e : batch) add(std::move(e));
        batch.clear();
        bool due = !pending_.empty() &&
                   (pending_durable_ || stopping ||
                    std::chrono::steady_clock::now() >= first_pending_at_ + options_.group_commit);
        if (due) flush();
        run_maintenance_if_due();
        if (stopping) {
            std::lock_guard lock(mutex_);
            if (queue_.empty()) {
                writer_done_ = true;
                return;
            }
        }
    }
}

/// Writer thread: sequences one entry. A progress/log event (or a producer's)
/// is published at once unless an entry waiting for its commit is ahead of it
/// (ids must reach readers in order).
void Journal::add(Entry entry) {
    Pending p{std::move(entry), nullptr, false};
    if (p.entry.has_event) {
        if (last_seq_ + 1 > seq_ceiling_) {
            try {
                reserve_ids();
            } catch (const StoreError& e) {
                log_->error("journal: cannot reserve event ids: {}", e.what());
                if (p.entry.done) p.entry.done(false);
                return;
            }
        }
        p.event = make_event(++last_seq_, std::move(p.entry.topic), std::move(p.entry.type),
                             std::move(p.entry.data), now_ms(), p.entry.terminal, std::move(p.entry.kind));
        if (p.entry.sequenced) p.entry.sequenced(p.event->seq);
    }
    if (pending_.empty()) first_pending_at_ = std::chrono::steady_clock::now();
    const bool waits_for_commit = p.entry.durable && !p.entry.publish_before_commit;
    if (p.entry.durable) pending_durable_ = true;
    if (waits_for_commit) holding_back_ = true;
    if (p.event && !holding_back_) {
        hub_.publish(p.event);
        p.published = true;
    }
    pending_.push_back(std::move(p));
    if (pending_.size() >= options_.batch_bound) flush();
}

/// Writer thread: one transaction for the whole pending batch (the latest row
/// of each task, every event), then reports back and publishes what waited.
void Journal::flush() {
    WriteBatch batch;
    batch.durable = pending_durable_;
    std::unordered_set<std::string_view> seen;
    for (auto it = pending_.rbegin(); it != pending_.rend(); ++it)
        if (it->entry.task && seen.insert(it->entry.task->id).second) batch.tasks.push_back(it->entry.task.get());
    for (const auto& p : pending_) {
        if (p.event) batch.events.push_back(p.event);
        if (!p.entry.delete_task.empty()) batch.deleted_tasks.push_back(p.entry.delete_task);
        if (p.entry.idempotency) batch.idempotency.push_back(p.entry.idempotency.get());
    }
    bool committed = true;
    try {
        store_.write(batch);
    } catch (const StoreError& e) {
        committed = false;
        log_->error("journal: commit of {} entries failed: {}", pending_.size(), e.what());
    }
    // Callbacks first: the engine's view turns to the committed state before any
    // reader can hear of it, so a reader that got an event finds it in GET too.
    for (auto& p : pending_)
        if (p.entry.done) p.entry.done(committed);
    for (auto& p : pending_)
        if (committed && p.event && !p.published) hub_.publish(p.event);
    if (committed) hub_.committed_through(last_seq_);
    pending_.clear();
    pending_durable_ = false;
    holding_back_ = false;
}

/// Writer thread: runs the maintenance task when it is due, between batches.
void Journal::run_maintenance_if_due() {
    if (!maintenance_ || std::chrono::steady_clock::now() < next_maintenance_) return;
    try {
        maintenance_();
    } catch (const std::exception& e) {
        log_->error("journal: maintenance failed: {}", e.what());
    }
    next_maintenance_ = std::chrono::steady_clock::now() + options_.maintenance_interval;
}

/// Writer thread: persists a new high-water mark before any id above the old
/// one is issued, so that ids seen by clients are never reused after a crash.
void Journal::reserve_ids() {
    seq_ceiling_ = last_seq_ + options_.id_block;
    WriteBatch batch;
    batch.durable = true;
    batch.seq_ceiling = seq_ceiling_;
    store_.write(batch);
}

} // namespace taskstream
