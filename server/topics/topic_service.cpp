#include "topics/topic_service.hpp"

#include "core/clock.hpp"
#include "core/ids.hpp"

namespace taskstream {

void TopicService::publish(const std::string& topic, std::vector<ProducerEvent> events, PublishAck ack,
                           std::function<void(Outcome<std::vector<std::string>>)> done) {
    // Its entries are called back in order (sequenced: under the journal's lock, on
    // the caller's thread or the writer's; done: on the writer's); the last one answers.
    struct Batch {
        std::vector<std::string> ids;
        std::size_t to_sequence;
        std::size_t to_commit;
        bool failed = false;
        std::function<void(Outcome<std::vector<std::string>>)> done;
    };
    // Where the store gives the ids (Redis), nothing is answered before the commit: a
    // `published` publish is committed at once then, not kept for the group commit.
    const bool at_commit = ack == PublishAck::committed || journal_.store_assigns_ids();
    auto batch = std::make_shared<Batch>(Batch{{}, events.size(), events.size(), false, std::move(done)});
    batch->ids.reserve(events.size());
    std::vector<Journal::Entry> entries;
    entries.reserve(events.size());
    for (auto& event : events) {
        auto sequenced = [batch, at_commit](std::uint64_t seq) {
            batch->ids.push_back(format_event_id(seq));
            if (--batch->to_sequence == 0 && !at_commit) batch->done(batch->ids);
        };
        auto done = [batch, at_commit](bool committed) {
            batch->failed = batch->failed || !committed;
            if (--batch->to_commit > 0) return;
            // At `published` the answer went out with the last id (a failed commit is the
            // journal's to log), unless an event never got one: then it is this failure.
            if (!at_commit && batch->to_sequence == 0) return;
            if (batch->failed) batch->done(make_error(errc::unavailable, "the store could not record the events"));
            else batch->done(std::move(batch->ids));
        };
        entries.push_back(JournalEntry::producer_event(topic, std::move(event.type), std::move(event.data),
                                                       std::move(sequenced), std::move(done), at_commit));
    }
    if (!journal_.try_append_all(std::move(entries)))
        batch->done(make_error(errc::unavailable, "the server is busy; try again"));
}

Outcome<std::shared_ptr<Replay>> TopicService::open(std::shared_ptr<const TopicFilter> filter,
                                                    std::optional<std::uint64_t> after,
                                                    const std::shared_ptr<Subscriber>& subscriber) {
    auto reset = [](std::uint64_t position) -> Outcome<EventPtr> {
        const nlohmann::json data{{"reason", "the stream is further behind than the history kept; reload the state"}};
        return make_event(position, "", "reset", data.dump(), now_ms(), false);
    };
    auto opened = streams_.open(StreamSource{"", std::move(filter)}, after, subscriber, reset);
    if (!opened) return std::move(opened).error();
    return opened->replay;
}

void TopicService::close(std::shared_ptr<const TopicFilter> filter, const Subscriber* subscriber) {
    streams_.close(StreamSource{"", std::move(filter)}, subscriber);
}

} // namespace taskstream
