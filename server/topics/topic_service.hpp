// TopicService: the hub as seen by producers and multiplexed readers —
// publishing events to a topic (durably, so that a 202 is a promise), and
// opening one stream over many topics with a resume across all of them.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <spdlog/logger.h>

#include "core/outcome.hpp"
#include "hub/hub.hpp"
#include "model/topic_filter.hpp"
#include "journal/journal.hpp"
#include "store/store.hpp"

namespace taskstream {

/// One event a producer sends: {type?, data}.
struct ProducerEvent {
    std::string type = "message";
    std::string data;  // a JSON string's text as is; any other JSON value as its JSON text
};

/// POST /v1/topics/{topic}/events bodies: an object or an array (1..1000) of them.
Outcome<std::vector<ProducerEvent>> parse_producer_events(const nlohmann::json& body);

class TopicService {
public:
    struct Options {
        std::size_t max_replay = 10000;  // a resume further behind gets `event: reset` instead
    };

    TopicService(Store& store, Journal& journal, Hub& hub, Options options, std::shared_ptr<spdlog::logger> log);

    /// Records the events (committed before `done`), then publishes them. `done`
    /// gets their ids, on the journal's thread; it must not block.
    void publish(const std::string& topic, std::vector<ProducerEvent> events,
                 std::function<void(Outcome<std::vector<std::string>>)> done);

    /// Attaches a multiplexed subscriber and returns what to send first: the
    /// matching events after `after` (none without an id: a new reader starts live),
    /// or a single `reset` when that is more than max_replay or older than the
    /// history kept.
    Outcome<std::vector<EventPtr>> open(std::shared_ptr<const TopicFilter> filter, std::optional<std::uint64_t> after,
                                        const std::shared_ptr<Subscriber>& subscriber);
    void close(const Subscriber* subscriber);

private:
    Store& store_;
    Journal& journal_;
    Hub& hub_;
    Options options_;
    std::shared_ptr<spdlog::logger> log_;
};

} // namespace taskstream
