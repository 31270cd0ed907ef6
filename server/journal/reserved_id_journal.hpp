// ReservedIdJournal: the journal of a server alone on its store. Every event gets
// its id as it is appended — on the caller's thread, under the journal's lock — from
// a block of ids whose end is persisted before any id in it is issued (so ids seen
// by clients are never reused after a crash); an event that need not wait for its
// commit reaches the hub there and then, without a thread hop, and the writer
// publishes the others after their commit, always in id order.
#pragma once

#include <deque>

#include "journal/journal.hpp"

namespace taskstream {

class ReservedIdJournal final : public Journal {
public:
    using Journal::Journal;
    ~ReservedIdJournal() override { stop(); }

    bool publishes_after_commit() const noexcept override { return false; }
    /// Its events have had their callbacks when they reach a reader: nothing to wait for.
    bool await_settled(std::uint64_t, std::chrono::milliseconds) override { return true; }

private:
    /// An event sequenced but not yet published: it waits for its commit, or
    /// for one ahead of it that does.
    struct Unpublished {
        EventPtr event;
        bool waits_for_commit;
    };

    void prepare_ids_locked() override;
    void appended_locked(Pending& p) override;
    /// Out of ids, or past half the block.
    bool reservation_due_locked() const override;
    void reserve_ids(std::vector<Pending>& batch) override;
    void flush() override;
    void sequence_locked(Pending& p);
    void release_locked(std::uint64_t through, bool committed);
    std::uint64_t persist_ceiling(std::uint64_t ceiling);

    std::deque<Unpublished> unpublished_;  // in seq order; while not empty, new events queue behind it
    std::uint64_t seq_ceiling_ = 0;        // persisted: ids up to it may be issued
    bool sequencing_blocked_ = false;      // out of ids: the writer reserves more, then sequences the queue
};

} // namespace taskstream
