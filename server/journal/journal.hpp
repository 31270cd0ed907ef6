// Journal: the single writer. It gives every event its place in the global
// sequence as it is appended (on the caller's thread, under its lock, so that
// an event that need not wait for its commit reaches the hub without a thread
// hop), commits task rows and events to the store on its writer thread (state
// changes durably before anyone hears of them, producers' events durably
// before their publisher is answered, progress/log group-committed), and
// publishes to the hub in sequence order.
//
// Where the ids come from is the composition root's choice (Options::ids): blocks
// this server reserves (one server on its store), or the store's (several servers
// on one): the journal then commits events without an id, learns them from the
// commit, and publishes nothing itself — every server's EventRelay publishes what
// the store's feed says, in the one order all servers see.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
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
    enum class EventIds {
        reserved_blocks,  // this server issues them, from blocks it persists ahead of use
        from_store,       // the store gives them in the commit (WriteBatch::assign_ids)
    };
    struct Options {
        std::chrono::milliseconds group_commit{50};  // longest a progress/log event waits for its commit
        std::size_t batch_bound = 1000;              // uncommitted entries before a commit is forced
        std::size_t queue_bound = 100000;            // entries waiting for the writer thread
        std::uint64_t id_block = 100000;             // event ids reserved per durable high-water mark write
        std::chrono::milliseconds maintenance_interval{60000};  // how often the maintenance task runs
        EventIds ids = EventIds::reserved_blocks;
    };

    using Entry = JournalEntry;

    Journal(Store& store, Hub& hub, Options options, std::shared_ptr<spdlog::logger> log);
    ~Journal();

    /// Work that must run on the writer thread (pruning), every maintenance_interval.
    /// Set before start(); exceptions it throws are logged.
    void set_maintenance(std::function<void()> task) { maintenance_ = std::move(task); }

    /// Reserves the first block of ids and starts the writer thread. Throws StoreError.
    void start();
    /// Commits everything queued, then stops the writer thread.
    void stop();

    /// Never blocks; false when the queue is full (the caller answers 503).
    bool try_append(Entry entry);
    /// All or nothing, never blocks; false when the queue has no room for all of them.
    bool try_append_all(std::vector<Entry> entries);
    /// Waits up to `wait` for room (worker threads: backpressure); false on timeout.
    bool append(Entry entry, std::chrono::milliseconds wait);

    /// The highest event id issued so far (reserved ones after a restart count):
    /// a client cannot have seen an id above it. Any thread.
    std::uint64_t last_issued() const;
    /// Whether a client may have seen `id`: on a shared store, asks the store about
    /// an id above the ones this server knows (another server gave it). Any thread.
    bool has_issued(std::uint64_t id) const;
    /// An id this server learned from the store's feed (EventRelay). Any thread.
    void observe(std::uint64_t seq);
    /// Events reach readers only after their commit (ids from the store: the hub hears
    /// of them from the feed), so nothing is answered before it either.
    bool publishes_after_commit() const noexcept { return store_ids_; }
    /// Shared store: waits (at most `wait`) until an event with id `seq`, if it is one of
    /// this server's, has had its commit callbacks — so a reader who got it finds the
    /// state in GET too, as when the journal publishes itself. False on timeout. Any thread.
    bool await_settled(std::uint64_t seq, std::chrono::milliseconds wait);

private:
    struct Pending {
        Entry entry;
        EventPtr event;  // null until sequenced
    };
    /// An event sequenced but not yet published: it waits for its commit, or
    /// for one ahead of it that does.
    struct Unpublished {
        EventPtr event;
        bool waits_for_commit;
    };
    void enqueue_locked(Entry&& entry);
    void sequence_locked(Pending& p);
    void release_locked(std::uint64_t through, bool committed);
    /// The writer must reserve ids before it sleeps on: out of them, or past half the block.
    bool reservation_due_locked() const;
    void run();
    void reserve_ids(std::vector<Pending>& batch);
    void add(Pending&& p);
    void flush();
    void add_rows(WriteBatch& batch) const;
    /// flush() on a store that gives the ids: the events get them from the commit.
    void flush_assigned(WriteBatch& batch);
    std::uint64_t persist_ceiling(std::uint64_t ceiling);
    void run_maintenance_if_due();

    Store& store_;
    Hub& hub_;
    Options options_;
    std::shared_ptr<spdlog::logger> log_;
    const bool store_ids_;  // options_.ids == from_store

    /// The queue, the sequence and the order of publishing. Outermost lock: the hub's
    /// and a shard's are taken under it (journal → hub → shard → shard inbox).
    mutable std::mutex mutex_;
    std::condition_variable wake_writer_, room_available_;
    std::vector<Pending> queue_;
    std::deque<Unpublished> unpublished_;  // in seq order; while not empty, new events queue behind it
    std::uint64_t last_seq_ = 0;
    std::uint64_t seq_ceiling_ = 0;  // persisted: ids up to it may be issued
    bool sequencing_blocked_ = false;  // out of ids: the writer reserves more, then sequences the queue
    bool stopping_ = false;
    // The writer sleeps until its pending batch is due: an entry that can wait for that
    // commit (not durable, ids to spare, the queue short) does not wake it — a context
    // switch saved per progress event or ?ack=published publish. `writer_notified_`: a
    // wake is on its way since the writer last took the queue.
    bool writer_holds_batch_ = false;
    bool writer_notified_ = false;
    bool writing_ = false;                // shared store: a commit and its callbacks are under way
    std::uint64_t settled_through_ = 0;   // shared store: this server's ids up to here have had their callbacks
    std::condition_variable settled_;
    bool writer_done_ = false;  // set by the writer as it exits: nothing is taken after
    std::thread writer_;
    std::function<void()> maintenance_;

    // Writer-thread state.
    std::vector<Pending> pending_;
    bool pending_durable_ = false;
    std::chrono::steady_clock::time_point first_pending_at_;
    std::chrono::steady_clock::time_point next_maintenance_;
};

} // namespace taskstream
