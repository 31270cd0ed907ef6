#include "journal/journal.hpp"

#include <optional>
#include <unordered_set>

#include "core/clock.hpp"
#include "core/metrics.hpp"
#include "core/thread_name.hpp"

namespace taskstream {

namespace {
// Registered at start, so that they show (at 0) before the first use.
auto& commit_seconds = metrics::Registry::global().histogram(
    "taskstream_store_commit_seconds", "Duration of one group commit to the store (fsync included when durable).",
    metrics::latency_buckets());
} // namespace

Journal::Journal(Store& store, Hub& hub, Options options, std::shared_ptr<spdlog::logger> log)
    : store_(store), hub_(hub), options_(options), log_(std::move(log)) {}

Journal::~Journal() { stop(); }

void Journal::start() {
    std::lock_guard lock(mutex_);
    last_seq_ = store_.seq_ceiling();
    hub_.continue_after(last_seq_);
    prepare_ids_locked();
    next_maintenance_ = std::chrono::steady_clock::now() + options_.maintenance_interval;
    writer_ = std::thread([this] {
        name_this_thread("ts-journal");
        run();
    });
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
    for (auto& e : entries) enqueue_locked(std::move(e));
    return true;
}

bool Journal::append(Entry entry, std::chrono::milliseconds wait) {
    std::unique_lock lock(mutex_);
    if (!room_available_.wait_for(lock, wait, [&] { return stopping_ || queue_.size() < options_.queue_bound; }))
        return false;
    if (writer_done_) return false;
    enqueue_locked(std::move(entry));
    return true;
}

std::uint64_t Journal::last_issued() const {
    std::lock_guard lock(mutex_);
    return last_seq_;
}

void Journal::observe(std::uint64_t seq) {
    std::lock_guard lock(mutex_);
    last_seq_ = std::max(last_seq_, seq);
}

/// Hands the entry to the writer (its event may get its id on the way: appended_locked).
void Journal::enqueue_locked(Entry&& entry) {
    Pending& p = queue_.emplace_back(std::move(entry), nullptr);
    appended_locked(p);
    const bool can_wait = writer_holds_batch_ && !p.entry.durable && !reservation_due_locked() &&
                          queue_.size() < options_.batch_bound;
    if (!writer_notified_ && !can_wait) {
        writer_notified_ = true;
        wake_writer_.notify_one();
    }
}

/// Writer thread: takes everything queued, adds it to the pending batch and
/// commits when a durable entry is in it, the batch is full, or the oldest
/// progress/log entry has waited group_commit.
void Journal::run() {
    std::vector<Pending> batch;
    for (;;) {
        bool stopping;
        bool reserve;
        std::uint64_t stats_asked;
        {
            std::unique_lock lock(mutex_);
            auto ready = [&] { return stopping_ || !queue_.empty() || stats_requests_ > stats_writes_; };
            std::optional<std::chrono::steady_clock::time_point> wake_at;
            if (maintenance_) wake_at = next_maintenance_;
            if (!pending_.empty())
                wake_at = std::min(wake_at.value_or(first_pending_at_ + options_.group_commit),
                                   first_pending_at_ + options_.group_commit);
            if (!unwritten_stats_.empty())  // an idle writer still writes the last second's history
                wake_at = std::min(wake_at.value_or(last_stats_write_ + kStatsWriteInterval),
                                   last_stats_write_ + kStatsWriteInterval);
            writer_holds_batch_ = !pending_.empty();
            if (wake_at) wake_writer_.wait_until(lock, *wake_at, ready);
            else wake_writer_.wait(lock, ready);
            writer_holds_batch_ = false;
            writer_notified_ = false;
            batch.swap(queue_);
            stopping = stopping_;
            stats_asked = stats_requests_;
            // The next block of ids is reserved halfway through this one, so that
            // appending threads rarely find them used up.
            reserve = reservation_due_locked();
        }
        room_available_.notify_all();
        if (reserve) reserve_ids(batch);
        for (auto& p : batch) add(std::move(p));
        batch.clear();
        bool due = !pending_.empty() &&
                   (pending_durable_ || stopping ||
                    std::chrono::steady_clock::now() >= first_pending_at_ + options_.group_commit);
        if (due) flush();
        run_maintenance_if_due();
        if (pending_.empty() && !unwritten_stats_.empty() &&
            (stopping || std::chrono::steady_clock::now() >= last_stats_write_ + kStatsWriteInterval))
            write_unwritten_stats(stopping);
        if (stats_asked > stats_writes_) {  // a reader waits for what was committed before it asked
            if (!unwritten_stats_.empty()) write_unwritten_stats(false);
            std::lock_guard lock(mutex_);
            stats_writes_ = stats_asked;
            stats_written_.notify_all();
        }
        if (stopping) {
            std::lock_guard lock(mutex_);
            if (queue_.empty()) {
                writer_done_ = true;
                return;
            }
        }
    }
}

/// Writer thread: adds one sequenced entry to the batch of the next commit.
void Journal::add(Pending&& p) {
    if (pending_.empty()) first_pending_at_ = std::chrono::steady_clock::now();
    if (p.entry.durable) pending_durable_ = true;
    pending_.push_back(std::move(p));
    if (pending_.size() >= options_.batch_bound) flush();
}

/// Writer thread: the pending batch's rows (the latest of each task, reusing its state
/// event's JSON), deletions and idempotency keys; and, once a second, the history that
/// the state changes committed since the last such write add, this batch's included.
void Journal::add_rows(WriteBatch& batch) {
    batch_stats_.clear();
    for (const auto& p : pending_)
        if (p.entry.data_is_row && p.entry.task) count_state_change(*p.entry.task, batch_stats_);
    stats_attached_ = (!batch_stats_.empty() || !unwritten_stats_.empty()) &&
                      std::chrono::steady_clock::now() >= last_stats_write_ + kStatsWriteInterval;
    if (stats_attached_) {
        attached_stats_ = unwritten_stats_;
        for (const auto& [key, stats] : batch_stats_) attached_stats_[key].add(stats);
        batch.stats = &attached_stats_;
    }
    std::unordered_set<std::string_view> seen;
    for (auto it = pending_.rbegin(); it != pending_.rend(); ++it) {
        if (!it->entry.task || !seen.insert(it->entry.task->id).second) continue;
        batch.tasks.push_back(it->entry.task.get());
        batch.task_json.push_back(it->entry.data_is_row && it->event ? &it->event->data : nullptr);
    }
    for (const auto& p : pending_) {
        if (!p.entry.delete_task.empty()) batch.deleted_tasks.push_back(p.entry.delete_task);
        if (p.entry.idempotency) batch.idempotency.push_back(p.entry.idempotency.get());
        if (!p.entry.released_claim.empty()) batch.released_claims.push_back(&p.entry.released_claim);
        if (!p.entry.dedupe_claim_hold.empty())
            batch.dedupe_claims.push_back({.task = p.entry.task.get(), .hold = &p.entry.dedupe_claim_hold});
    }
}

void Journal::timed_write(const WriteBatch& batch) {
    const auto started = std::chrono::steady_clock::now();
    store_.write(batch);
    count_commit(started);
}

void Journal::rows_committed() {
    if (stats_attached_) {
        unwritten_stats_.clear();
        last_stats_write_ = std::chrono::steady_clock::now();
    } else {
        for (const auto& [key, stats] : batch_stats_) unwritten_stats_[key].add(stats);
    }
}

bool Journal::write_stats_now(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    if (writer_done_ || !writer_.joinable()) return false;
    const auto asked = ++stats_requests_;
    wake_writer_.notify_one();
    return stats_written_.wait_for(lock, timeout, [&] { return stats_writes_ >= asked || writer_done_; }) &&
           stats_writes_ >= asked;
}

void Journal::write_unwritten_stats(bool last) {
    WriteBatch batch;
    batch.durable = true;
    batch.stats = &unwritten_stats_;
    try {
        store_.write(batch);
    } catch (const StoreError& e) {
        last_stats_write_ = std::chrono::steady_clock::now();  // tried again in a second
        log_->warn("journal: task history not written{}: {}", last ? " (lost: the server stops)" : "", e.what());
        if (!last) return;
    }
    unwritten_stats_.clear();
    last_stats_write_ = std::chrono::steady_clock::now();
}

void Journal::count_commit(std::chrono::steady_clock::time_point started) {
    commit_seconds.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
}

void Journal::clear_pending() {
    pending_.clear();
    pending_durable_ = false;
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

} // namespace taskstream
