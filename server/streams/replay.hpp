// Replay: the history a stream sends before its live events, read a page at a
// time as the reader drains it — from the store up to where memory begins,
// then from the hub's memory — so a reader that does not read holds one page,
// not the whole history. Not thread-safe: one thread at a time (a stream may
// hand it to a pool for the store read and take it back).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/event.hpp"
#include "model/topic_filter.hpp"
#include "store/store.hpp"

namespace taskstream {

/// What a stream reads: one topic (a task's stream) or a filter over many (a
/// multiplexed stream).
struct StreamSource {
    std::string topic;
    std::shared_ptr<const TopicFilter> filter;  // set: a multiplexed stream
};

class Replay {
public:
    /// Just these events (a reset, or nothing at all).
    explicit Replay(std::vector<EventPtr> events);
    /// The store's events of `source` with after < seq ≤ store_upto, then `recent`
    /// (the hub's memory, which follows without a gap), `page` at a time.
    Replay(Store& store, StreamSource source, std::uint64_t after, std::uint64_t store_upto,
           std::vector<EventPtr> recent, ReadLimit page);

    /// Moves the next page to the back of `out`; false when nothing is left.
    /// Reads the store while memory does not have the events. Throws StoreError.
    bool next_page(std::vector<EventPtr>& out);
    /// True when no event is left (reads the next page to know). Throws StoreError.
    bool exhausted();
    /// Whether the next page is still to be read from the store (a round trip on a
    /// shared store): read_ahead() reads it, then next_page() takes it without one.
    bool reads_store_next() const { return pending_.empty() && store_ && cursor_ < store_upto_; }
    /// Reads the next page now. Throws StoreError.
    void read_ahead() { fill(); }

private:
    void fill();

    Store* store_ = nullptr;
    StreamSource source_;
    std::uint64_t cursor_ = 0;      // the store's events up to here are read
    std::uint64_t store_upto_ = 0;  // … and memory has those after it
    std::vector<EventPtr> recent_;
    std::size_t recent_next_ = 0;
    ReadLimit page_;
    std::vector<EventPtr> pending_;  // the page read ahead
};

} // namespace taskstream
