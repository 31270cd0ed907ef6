#include "journal/store_id_journal.hpp"

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
    WriteBatch batch;
    batch.durable = pending_durable_;
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
    const auto started = std::chrono::steady_clock::now();
    try {
        first = numbering_.write_numbered(batch);
        count_commit(started);
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
    clear_pending();
}

bool StoreIdJournal::await_settled(std::uint64_t seq, std::chrono::milliseconds wait) {
    std::unique_lock lock(mutex_);
    // Not writing: any event of ours has had its callbacks. Writing: the ids in flight
    // are above settled_through_, so an event at or below it is not among them.
    return settled_.wait_for(lock, wait, [&] { return !writing_ || seq <= settled_through_; });
}

} // namespace taskstream
