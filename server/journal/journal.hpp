// Journal: the single writer. It queues what the engine and producers record,
// commits task rows and events to the store on its writer thread (state changes
// durably before anyone hears of them, producers' events durably before their
// publisher is answered, progress/log group-committed), and has them reach the
// hub in sequence order.
//
// Where the ids come from is the subclass, the composition root's choice:
// ReservedIdJournal (one server on its store) gives every event its id as it is
// appended, from blocks it persists ahead, and publishes to the hub itself;
// StoreIdJournal (several servers on one store) commits events without an id,
// learns them from the commit, and publishes nothing — every server's EventRelay
// publishes what the store's feed says, in the one order all servers see.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <spdlog/logger.h>

#include "hub/hub.hpp"
#include "journal/journal_entry.hpp"
#include "store/store.hpp"

namespace taskstream {

class Journal {
public:
    struct Options {
        std::chrono::milliseconds group_commit{50};  // longest a progress/log event waits for its commit
        std::size_t batch_bound = 1000;              // uncommitted entries before a commit is forced
        std::size_t queue_bound = 100000;            // entries waiting for the writer thread
        std::uint64_t id_block = 100000;             // event ids reserved per durable high-water mark write
        std::chrono::milliseconds maintenance_interval{60000};  // how often the maintenance task runs
    };

    using Entry = JournalEntry;

    Journal(Store& store, Hub& hub, Options options, std::shared_ptr<spdlog::logger> log);
    /// A subclass stops the writer in its own destructor (the writer calls its flush()).
    virtual ~Journal();

    /// Work that must run on the writer thread (pruning), every maintenance_interval.
    /// Set before start(); exceptions it throws are logged.
    void set_maintenance(std::function<void()> task) { maintenance_ = std::move(task); }

    /// Prepares the ids (a reservation, or the store's last) and starts the writer thread. Throws StoreError.
    void start();
    /// Commits everything queued, then stops the writer thread.
    void stop();
    /// Writes the task history that committed state changes added and no commit carried
    /// yet (it goes with a commit once a second), and returns once it is in the store:
    /// false after `timeout`, or without a writer. Not from the writer thread.
    bool write_stats_now(std::chrono::milliseconds timeout);

    /// Never blocks; false when the queue is full (the caller answers 503).
    bool try_append(Entry entry);
    /// All or nothing, never blocks; false when the queue has no room for all of them.
    bool try_append_all(std::vector<Entry> entries);
    /// Waits up to `wait` for room (worker threads: backpressure); false on timeout.
    bool append(Entry entry, std::chrono::milliseconds wait);

    /// The highest event id issued so far (reserved ones after a restart count):
    /// a client cannot have seen an id above it. Any thread.
    std::uint64_t last_issued() const;
    /// Whether a client may have seen `id`. Any thread.
    virtual bool has_issued(std::uint64_t id) const { return id <= last_issued(); }
    /// An id this server learned from the store's feed (EventRelay). Any thread.
    void observe(std::uint64_t seq);
    /// Events reach readers only after their commit, so nothing is answered before it either.
    virtual bool publishes_after_commit() const noexcept = 0;
    /// Waits (at most `wait`) until an event with id `seq`, if it is one of this
    /// server's, has had its commit callbacks — so a reader who got it finds the state
    /// in GET too. False on timeout. Any thread.
    virtual bool await_settled(std::uint64_t seq, std::chrono::milliseconds wait) = 0;

protected:
    struct Pending {
        Entry entry;
        EventPtr event;  // null until sequenced
    };
    /// At start, under the lock, after last_seq_ is the store's: the ids' preparation.
    virtual void prepare_ids_locked() = 0;
    /// An entry was queued (under the lock): its event may get its id now.
    virtual void appended_locked(Pending& p) = 0;
    /// The writer must reserve ids before it sleeps on.
    virtual bool reservation_due_locked() const = 0;
    /// Writer thread: reserves ids, and gives them to what waited for them.
    virtual void reserve_ids(std::vector<Pending>& batch) = 0;
    /// Writer thread: one transaction for the whole pending batch, then reports back.
    virtual void flush() = 0;

    void add_rows(WriteBatch& batch);
    /// After a commit of the batch add_rows made: the history it carried is written, or
    /// this batch's part of it waits for the next write. (After a failed commit: nothing.)
    void rows_committed();
    /// The history not yet written, in a commit of its own: when no batch took it for a
    /// second, and at the writer's end (`last`: kept for a later try only when not).
    void write_unwritten_stats(bool last);
    /// Writer thread: the commit, timed (taskstream_store_commit_seconds). Throws StoreError.
    void timed_write(const WriteBatch& batch);
    /// Counts a commit that started at `started` in taskstream_store_commit_seconds.
    static void count_commit(std::chrono::steady_clock::time_point started);
    /// Writer thread: the pending batch is handled; the next one starts empty.
    void clear_pending();

    Store& store_;
    Hub& hub_;
    Options options_;
    std::shared_ptr<spdlog::logger> log_;

    /// The queue, the sequence and the order of publishing. Outermost lock: the hub's
    /// and a shard's are taken under it (journal → hub → shard → shard inbox).
    mutable std::mutex mutex_;
    std::condition_variable wake_writer_, room_available_, stats_written_;
    std::uint64_t stats_requests_ = 0, stats_writes_ = 0;  // write_stats_now's asks, and those the writer met
    std::vector<Pending> queue_;
    std::uint64_t last_seq_ = 0;
    bool stopping_ = false;
    // The writer sleeps until its pending batch is due: an entry that can wait for that
    // commit (not durable, ids to spare, the queue short) does not wake it — a context
    // switch saved per progress event or ?ack=published publish. `writer_notified_`: a
    // wake is on its way since the writer last took the queue.
    bool writer_holds_batch_ = false;
    bool writer_notified_ = false;
    bool writer_done_ = false;  // set by the writer as it exits: nothing is taken after

    // Writer-thread state.
    std::vector<Pending> pending_;
    // The task history is written with a commit once a second (not with each: its upserts
    // cost a run-heavy load ~10% of its rate), so a kill -9 loses at most the last second of it.
    static constexpr auto kStatsWriteInterval = std::chrono::seconds(1);
    StatsDeltas batch_stats_;      // what the pending batch's state changes add (add_rows)
    StatsDeltas unwritten_stats_;  // committed state changes' history not yet written
    StatsDeltas attached_stats_;   // unwritten_stats_ and the batch's, when add_rows attached them
    bool stats_attached_ = false;  // the batch add_rows made carries unwritten_stats_
    std::chrono::steady_clock::time_point last_stats_write_{};
    bool pending_durable_ = false;

private:
    void enqueue_locked(Entry&& entry);
    void run();
    void add(Pending&& p);
    void run_maintenance_if_due();

    std::thread writer_;
    std::function<void()> maintenance_;
    std::chrono::steady_clock::time_point first_pending_at_;
    std::chrono::steady_clock::time_point next_maintenance_;
};

} // namespace taskstream
