// StreamOpener: where every event stream starts — a task's and a multiplexed
// one alike. It attaches the reader to the hub and hands back what to send
// before live events: the replay after the client's id (read with the reader,
// a page at a time), or a single `reset` when that id is older than the
// history kept or beyond any id ever issued — never a silent gap.
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include <spdlog/logger.h>

#include "core/outcome.hpp"
#include "hub/hub.hpp"
#include "journal/journal.hpp"
#include "streams/replay.hpp"
#include "store/store.hpp"

namespace taskstream {

/// The event a stream gets instead of a replay it cannot have; `position` is
/// the id to give it (the last one published before the attach).
using ResetEvent = std::function<Outcome<EventPtr>(std::uint64_t position)>;

struct OpenedStream {
    std::shared_ptr<Replay> replay;  // before live events
    bool reset = false;              // the replay is the reset event alone
    bool topic_known = false;        // the hub's memory held events of the topic at the attach
    bool finished = false;           // … and its terminal event had been published
};

class StreamOpener {
public:
    StreamOpener(Store& store, Journal& journal, Hub& hub, ReadLimit replay_page, std::shared_ptr<spdlog::logger> log)
        : store_(store), journal_(journal), hub_(hub), page_(replay_page), log_(std::move(log)) {}

    /// Attaches `subscriber` to `source` and returns its start: the events after
    /// `after` (none without an id: live only), or `make_reset(position)`. On an
    /// error nothing stays attached. Any thread: the subscriber gets live events on
    /// its home thread from the attach on, even before its stream starts.
    Outcome<OpenedStream> open(const StreamSource& source, std::optional<std::uint64_t> after,
                               const std::shared_ptr<Subscriber>& subscriber, const ResetEvent& make_reset);
    void close(const StreamSource& source, const Subscriber* subscriber);

private:
    /// Whether the client's position cannot be replayed: events after it were pruned.
    bool history_lost(const StreamSource& source, std::uint64_t after);

    Store& store_;
    Journal& journal_;
    Hub& hub_;
    ReadLimit page_;
    std::shared_ptr<spdlog::logger> log_;
};

} // namespace taskstream
