// TopicService: the hub as seen by producers and multiplexed readers —
// publishing events to a topic (durably, so that a 202 is a promise), and
// opening one stream over many topics with a resume across all of them.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/outcome.hpp"
#include "journal/journal.hpp"
#include "streams/stream_opener.hpp"
#include "model/topic_filter.hpp"

namespace taskstream {

/// When a producer's publish is answered. `committed` (the default): once its
/// events are in the store (fsynced on SQLite), so a crash loses none of them.
/// `published`: once they have ids and are on their way to readers; they are
/// committed with the next group commit, so a crash may lose those of its last
/// window. On a shared store ids come from the commit, so both answer then.
enum class PublishAck { committed, published };

/// One event a producer sends: {type?, data}.
struct ProducerEvent {
    std::string type = "message";
    std::string data;  // a JSON string's text as is; any other JSON value as its JSON text
};

class TopicService {
public:
    TopicService(Journal& journal, StreamOpener& streams) : journal_(journal), streams_(streams) {}

    /// Records the events and publishes them; `done` gets their sequence numbers (the
    /// ids' values, in the events' order) when `ack` says, on the journal's thread or
    /// the caller's; it must not block.
    void publish(const std::string& topic, std::vector<ProducerEvent> events, PublishAck ack,
                 std::function<void(Outcome<std::vector<std::uint64_t>>)> done);

    /// Attaches a multiplexed subscriber and returns what to send first: the
    /// matching events after `after` (none without an id: a new reader starts
    /// live; 0: everything kept), or a single `reset` when events after it are
    /// no longer kept or it is beyond any id issued. Any thread (it reads the store).
    Outcome<std::shared_ptr<Replay>> open(std::shared_ptr<const TopicFilter> filter, std::optional<std::uint64_t> after,
                                          const std::shared_ptr<Subscriber>& subscriber);
    void close(std::shared_ptr<const TopicFilter> filter, const Subscriber* subscriber);

private:
    Journal& journal_;
    StreamOpener& streams_;
};

} // namespace taskstream
