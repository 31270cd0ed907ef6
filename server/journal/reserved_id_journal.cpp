#include "journal/reserved_id_journal.hpp"

#include "core/clock.hpp"

namespace taskstream {

void ReservedIdJournal::prepare_ids_locked() { seq_ceiling_ = persist_ceiling(last_seq_ + options_.id_block); }

/// Sequences the entry's event, unless the ids ran out: then the writer does, after reserving more.
void ReservedIdJournal::appended_locked(Pending& p) {
    if (!p.entry.has_event || sequencing_blocked_) return;
    if (last_seq_ + 1 > seq_ceiling_) sequencing_blocked_ = true;
    else sequence_locked(p);
}

bool ReservedIdJournal::reservation_due_locked() const {
    return sequencing_blocked_ || last_seq_ + options_.id_block / 2 > seq_ceiling_;
}

/// Gives the event its id and publishes it at once when it need not wait for
/// its commit and nothing sequenced before it is still unpublished.
void ReservedIdJournal::sequence_locked(Pending& p) {
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
void ReservedIdJournal::release_locked(std::uint64_t through, bool committed) {
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

/// Writer thread: persists a higher ceiling, then sequences what waited for
/// ids, in order — the batch just taken, then what was queued since — until
/// none waits. If the store refuses the ceiling, what has no id is answered as
/// not committed.
void ReservedIdJournal::reserve_ids(std::vector<Pending>& batch) {
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

/// Writer thread: one transaction for the whole pending batch (the latest row
/// of each task, every event), then reports back and publishes what waited.
void ReservedIdJournal::flush() {
    WriteBatch batch;
    batch.durable = pending_durable_;
    add_rows(batch);
    std::uint64_t through = 0;
    for (const auto& p : pending_) {
        if (!p.event) continue;
        batch.events.push_back(p.event);
        through = p.event->seq;
    }
    bool committed = true;
    try {
        timed_write(batch);
        rows_committed();
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
    clear_pending();
}

/// Persists a new high-water mark before any id above the old one is issued,
/// so that ids seen by clients are never reused after a crash. Returns it.
std::uint64_t ReservedIdJournal::persist_ceiling(std::uint64_t ceiling) {
    WriteBatch batch;
    batch.durable = true;
    batch.seq_ceiling = ceiling;
    store_.write(batch);
    return ceiling;
}

} // namespace taskstream
