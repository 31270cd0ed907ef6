#include "journal/store_id_journal.hpp"

#include <algorithm>

#include "core/clock.hpp"

namespace taskstream {

bool StoreIdJournal::has_issued(std::uint64_t id) const {
    if (id <= last_issued()) return true;
    try {
        return id <= store_.seq_ceiling();
    } catch (const StoreError&) {
        return true;  // cannot tell now: placed where it says, rather than reset
    }
}

/// Writer thread: the batch's events go without ids; the store gives them, in
/// order, and the feed brings them to every server's hub (this one's too).
void StoreIdJournal::flush() {
    for (auto& p : pending_) {
        if (!p.entry.has_event) continue;
        p.event = make_event(0, std::move(p.entry.topic), std::move(p.entry.type), std::move(p.entry.data), now_ms(),
                             p.entry.terminal, std::move(p.entry.kind), std::move(p.entry.owner));
    }
    {
        std::lock_guard lock(mutex_);
        writing_ = true;
    }
    std::vector<Pending> taken;  // creations whose dedupe key was taken: committed without them
    WriteBatch batch;
    bool committed = true;
    std::uint64_t first = 0;
    for (;;) {
        batch = WriteBatch{};
        batch.durable = pending_durable_;
        for (const auto& p : pending_)
            if (p.event) batch.events.push_back(p.event);
        add_rows(batch);
        const auto started = std::chrono::steady_clock::now();
        try {
            first = numbering_.write_numbered(batch);
            count_commit(started);
            rows_committed();
            break;
        } catch (const DedupeTaken& e) {
            if (leave_out(e.task_ids, taken)) continue;  // nothing was applied: again, without them
            committed = false;
            log_->error("journal: commit refused for dedupe keys of tasks it does not hold: {}", e.what());
            break;
        } catch (const StoreError& e) {
            committed = false;
            log_->error("journal: commit of {} entries failed: {}", pending_.size(), e.what());
            break;
        }
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
    clear_pending();
    for (auto& p : taken) {
        if (p.entry.dedupe_taken) p.entry.dedupe_taken();
        else if (p.entry.done) p.entry.done(false);
    }
}

/// Moves the entries of the tasks named out of the pending batch; false when none is in it.
bool StoreIdJournal::leave_out(const std::vector<std::string>& task_ids, std::vector<Pending>& out) {
    const std::size_t before = out.size();
    std::vector<Pending> kept;
    for (auto& p : pending_) {
        const bool named = p.entry.task && std::find(task_ids.begin(), task_ids.end(), p.entry.task->id) != task_ids.end();
        (named ? out : kept).push_back(std::move(p));
    }
    pending_ = std::move(kept);
    return out.size() > before;
}

bool StoreIdJournal::await_settled(std::uint64_t seq, std::chrono::milliseconds wait) {
    std::unique_lock lock(mutex_);
    // Not writing: any event of ours has had its callbacks. Writing: the ids in flight
    // are above settled_through_, so an event at or below it is not among them.
    return settled_.wait_for(lock, wait, [&] { return !writing_ || seq <= settled_through_; });
}

} // namespace taskstream
