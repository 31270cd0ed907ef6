// StoreIdJournal: the journal of one of several servers on a shared store. Its
// events are committed without an id; the store gives them (NumberingStore),
// in the one order of the whole cluster, and the journal learns them from the commit.
// It publishes nothing itself: every server's EventRelay publishes what the store's
// feed brings, this server's events included.
#pragma once

#include <condition_variable>

#include "journal/journal.hpp"

namespace taskstream {

class StoreIdJournal final : public Journal {
public:
    StoreIdJournal(Store& store, NumberingStore& numbering, Hub& hub, Options options,
                   std::shared_ptr<spdlog::logger> log)
        : Journal(store, hub, options, std::move(log)), numbering_(numbering) {}
    ~StoreIdJournal() override { stop(); }

    /// Asks the store about an id above the ones this server knows (another server gave it).
    bool has_issued(std::uint64_t id) const override;
    bool publishes_after_commit() const noexcept override { return true; }
    bool await_settled(std::uint64_t seq, std::chrono::milliseconds wait) override;

private:
    void prepare_ids_locked() override {}  // the store's last id is where this server starts
    void appended_locked(Pending&) override {}
    bool reservation_due_locked() const override { return false; }
    void reserve_ids(std::vector<Pending>&) override {}
    /// The events get their ids from the commit.
    void flush() override;
    bool leave_out(const std::vector<std::string>& task_ids, std::vector<Pending>& out);

    NumberingStore& numbering_;
    bool writing_ = false;               // a commit and its callbacks are under way
    std::uint64_t settled_through_ = 0;  // this server's ids up to here have had their callbacks
    std::condition_variable settled_;
};

} // namespace taskstream
