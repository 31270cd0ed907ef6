#include "journal/journal.hpp"


#include <optional>
#include <unordered_set>

#include "core/clock.hpp"
#include "core/metrics.hpp"

namespace taskstream {

namespace {
// Registered at start, so that they show (at 0) before the first use.
auto& commit_seconds = metrics::Registry::global().histogram(
    "taskstream_store_commit_seconds", "Duration of one group commit to the store (fsync included when durable).",
    metrics::latency_buckets());
} // namespace

Journal::Journal(Store& store, Hub& hub, Options options, std::shared_ptr<spdlog::logger> log)
    : store_(store), hub_(hub), options_(options), log_(std::move(log)), store_ids_(options.ids == EventIds::from_store) {}

Journal::~Journal() { stop(); }

void Journal::start() {
    std::lock_guard lock(mutex_);
    last_seq_ = store_.seq_ceiling();
    hub_.continue_after(last_seq_);
    if (!store_ids_) seq_ceiling_ = persist_ceiling(last_seq_ + options_.id_block);
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

bool Journal::has_issued(std::uint64_t id) const {
    if (id <= last_issued()) return true;
    if (!store_ids_) return false;
    try {
        return id <= store_.seq_ceiling();
    } catch (const StoreError&) {
        return true;  // cannot tell now: placed where it says, rather than reset
    }
}

void Journal::observe(std::uint64_t seq) {
    std::lock_guard lock(mutex_);
    last_seq_ = std::max(last_seq_, seq);
}

/// Sequences the entry's event (unless the ids ran out: then the writer does,
/// after reserving more) and hands the entry to the writer.
void Journal::enqueue_locked(Entry&& entry) {
    Pending& p = queue_.emplace_back(std::move(entry), nullptr);
    if (p.entry.has_event && !sequencing_blocked_ && !store_ids_) {
        if (last_seq_ + 1 > seq_ceiling_) sequencing_blocked_ = true;
        else sequence_locked(p);
    }
    const bool can_wait = writer_holds_batch_ && !p.entry.durable && !reservation_due_locked() &&
                          queue_.size() < options_.batch_bound;
    if (!writer_notified_ && !can_wait) {
        writer_notified_ = true;
        wake_writer_.notify_one();
    }
}

bool Journal::reservation_due_locked() const {
    return !store_ids_ && (sequencing_blocked_ || last_seq_ + options_.id_block / 2 > seq_ceiling_);
}

/// Gives the event its id and publishes it at once when it need not wait for
/// its commit and nothing sequenced before it is still unpublished.
void Journal::sequence_locked(Pending& p) {
    p.event = make_event(++last_seq_, std::move(p.entry.topic), std::move(p.entry.type), std::move(p.entry.data),
                         now_ms(), p.entry.terminal, std::move(p.entry.kind), std::move(p.entry.owner));
    if (p.entry.sequenced) p.entry.sequenced(p.event->seq);
    const bool waits = p.entry.durable && !p.entry.publish_before_commit;
    if (!waits && unpublished_.empty()) hub_.publish(p.event);
    else unpublished_.push_back(Unpublished{p.event, waits});
}

/// After a commit of every event up to `through` (or its failure): publishes
/// the held-back events it covers (drops them if it failed) and, behind them,
/// the ones that only waited for their turn.
void Journal::release_locked(std::uint64_t through, bool committed) {
    while (!unpublished_.empty()) {
        auto& front = unpublished_.front();
        if (front.event->seq <= through) {
            if (committed) hub_.publish(front.event);
        } else if (front.waits_for_commit) {
            break;
        } else {
            hub_.publish(front.event);
        }
        unpublished_.pop_front();
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
        {
            std::unique_lock lock(mutex_);
            auto ready = [&] { return stopping_ || !queue_.empty(); };
            std::optional<std::chrono::steady_clock::time_point> wake_at;
            if (maintenance_) wake_at = next_maintenance_;
            if (!pending_.empty())
                wake_at = std::min(wake_at.value_or(first_pending_at_ + options_.group_commit),
                                   first_pending_at_ + options_.group_commit);
            writer_holds_batch_ = !pending_.empty();
            if (wake_at) wake_writer_.wait_until(lock, *wake_at, ready);
            else wake_writer_.wait(lock, ready);
            writer_holds_batch_ = false;
            writer_notified_ = false;
            batch.swap(queue_);
            stopping = stopping_;
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
        if (stopping) {
            std::lock_guard lock(mutex_);
            if (queue_.empty()) {
                writer_done_ = true;
                return;
            }
        }
    }
}

/// Writer thread: persists a higher ceiling, then sequences what waited for
/// ids, in order — the batch just taken, then what was queued since — until
/// none waits. If the store refuses the ceiling, what has no id is answered as
/// not committed.
void Journal::reserve_ids(std::vector<Pending>& batch) {
    auto sequence_all = [&](std::vector<Pending>& entries) {
        for (auto& p : entries) {
            if (!p.entry.has_event || p.event) continue;
            if (last_seq_ + 1 > seq_ceiling_) return false;
            sequence_locked(p);
        }
        return true;
    };
    // Entries left without an id; told so after the lock is released (a
    // callback may append again).
    std::vector<Pending> refused;
    auto refuse = [&refused](std::vector<Pending>& entries) {
        std::erase_if(entries, [&refused](Pending& p) {
            if (!p.entry.has_event || p.event) return false;
            refused.push_back(std::move(p));
            return true;
        });
    };
    std::uint64_t ceiling;
    {
        std::lock_guard lock(mutex_);
        ceiling = seq_ceiling_ + options_.id_block;
    }
    for (;;) {
        bool reserved = true;
        try {
            persist_ceiling(ceiling);
        } catch (const StoreError& e) {
            log_->error("journal: cannot reserve event ids: {}", e.what());
            reserved = false;
        }
        std::lock_guard lock(mutex_);
        if (reserved) seq_ceiling_ = std::max(seq_ceiling_, ceiling);
        if (!sequencing_blocked_) return;
        if (sequence_all(batch) && sequence_all(queue_)) {
            sequencing_blocked_ = false;
            return;
        }
        if (!reserved) {
            refuse(batch);
            refuse(queue_);
            sequencing_blocked_ = false;
            break;
        }
        ceiling = seq_ceiling_ + options_.id_block;
    }
    for (auto& p : refused)
        if (p.entry.done) p.entry.done(false);
}

/// Writer thread: adds one sequenced entry to the batch of the next commit.
void Journal::add(Pending&& p) {
    if (pending_.empty()) first_pending_at_ = std::chrono::steady_clock::now();
    if (p.entry.durable) pending_durable_ = true;
    pending_.push_back(std::move(p));
    if (pending_.size() >= options_.batch_bound) flush();
}

/// Writer thread: one transaction for the whole pending batch (the latest row
/// of each task, every event), then reports back and publishes what waited.
void Journal::flush() {
    WriteBatch batch;
    batch.durable = pending_durable_;
    if (store_ids_) return flush_assigned(batch);
    add_rows(batch);
    std::uint64_t through = 0;
    for (const auto& p : pending_) {
        if (!p.event) continue;
        batch.events.push_back(p.event);
        through = p.event->seq;
    }
    bool committed = true;
    const auto commit_started = std::chrono::steady_clock::now();
    try {
        store_.write(batch);
        commit_seconds.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - commit_started).count());
    } catch (const StoreError& e) {
        committed = false;
        log_->error("journal: commit of {} entries failed: {}", pending_.size(), e.what());
    }
    // Callbacks first: the engine's view turns to the committed state before any
    // reader can hear of it, so a reader that got an event finds it in GET too.
    for (auto& p : pending_)
        if (p.entry.done) p.entry.done(committed);
    if (through > 0) {
        std::lock_guard lock(mutex_);
        release_locked(through, committed);
        if (committed) hub_.committed_through(through);
        else hub_.retract(batch.events);  // in seq order
    }
    pending_.clear();
    pending_durable_ = false;
}

/// Writer thread: the pending batch's rows (the latest of each task, reusing its state
/// event's JSON), deletions and idempotency keys.
void Journal::add_rows(WriteBatch& batch) const {
    std::unordered_set<std::string_view> seen;
    for (auto it = pending_.rbegin(); it != pending_.rend(); ++it) {
        if (!it->entry.task || !seen.insert(it->entry.task->id).second) continue;
        batch.tasks.push_back(it->entry.task.get());
        batch.task_json.push_back(it->entry.data_is_row && it->event ? &it->event->data : nullptr);
    }
    for (const auto& p : pending_) {
        if (!p.entry.delete_task.empty()) batch.deleted_tasks.push_back(p.entry.delete_task);
        if (p.entry.idempotency) batch.idempotency.push_back(p.entry.idempotency.get());
    }
}

/// Writer thread: the batch's events go without ids; the store gives them, in
/// order, and the feed brings them to every server's hub (this one's too).
void Journal::flush_assigned(WriteBatch& batch) {
    batch.assign_ids = true;
    for (auto& p : pending_) {
        if (!p.entry.has_event) continue;
        p.event = make_event(0, std::move(p.entry.topic), std::move(p.entry.type), std::move(p.entry.data), now_ms(),
                             p.entry.terminal, std::move(p.entry.kind), std::move(p.entry.owner));
        batch.events.push_back(p.event);
    }
    add_rows(batch);
    bool committed = true;
    std::uint64_t first = 0;
    {
        std::lock_guard lock(mutex_);
        writing_ = true;
    }
    const auto commit_started = std::chrono::steady_clock::now();
    try {
        first = store_.write(batch);
        commit_seconds.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - commit_started).count());
    } catch (const StoreError& e) {
        committed = false;
        log_->error("journal: commit of {} entries failed: {}", pending_.size(), e.what());
    }
    if (committed && !batch.events.empty()) {
        std::lock_guard lock(mutex_);
        std::uint64_t seq = first;
        for (auto& p : pending_) {
            if (!p.event) continue;
            if (p.entry.sequenced) p.entry.sequenced(seq);
            ++seq;
        }
        last_seq_ = std::max(last_seq_, seq - 1);
    }
    for (auto& p : pending_)
        if (p.entry.done) p.entry.done(committed);
    {
        std::lock_guard lock(mutex_);
        writing_ = false;
        if (committed && !batch.events.empty()) settled_through_ = first + batch.events.size() - 1;
    }
    settled_.notify_all();
    pending_.clear();
    pending_durable_ = false;
}

bool Journal::await_settled(std::uint64_t seq, std::chrono::milliseconds wait) {
    std::unique_lock lock(mutex_);
    // Not writing: any event of ours has had its callbacks. Writing: the ids in flight
    // are above settled_through_, so an event at or below it is not among them.
    return settled_.wait_for(lock, wait, [&] { return !writing_ || seq <= settled_through_; });
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

/// Persists a new high-water mark before any id above the old one is issued,
/// so that ids seen by clients are never reused after a crash. Returns it.
std::uint64_t Journal::persist_ceiling(std::uint64_t ceiling) {
    WriteBatch batch;
    batch.durable = true;
    batch.seq_ceiling = ceiling;
    store_.write(batch);
    return ceiling;
}

} // namespace taskstream
