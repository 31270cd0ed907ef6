#include "topics/topic_service.hpp"

#include "core/clock.hpp"

namespace taskstream {

void TopicService::publish(const std::string& topic, std::vector<ProducerEvent> events, PublishAck ack,
                           std::function<void(Outcome<std::vector<std::uint64_t>>)> done) {
    // Its entries are called back in order (sequenced: under the journal's lock, on
    // the caller's thread or the writer's; done: on the writer's); the last one answers.
    struct Batch {
        std::vector<std::uint64_t> seqs;
        std::size_t to_sequence;
        std::size_t to_commit;
        bool failed = false;
        bool at_commit;
        std::function<void(Outcome<std::vector<std::uint64_t>>)> done;
    };
    // Where nothing is published before its commit (ids from the store), nothing is
    // answered before it either: a `published` publish is committed at once then.
    const bool at_commit = ack == PublishAck::committed || journal_.publishes_after_commit();
    auto batch = std::make_shared<Batch>(Batch{{}, events.size(), events.size(), false, at_commit, std::move(done)});
    batch->seqs.reserve(events.size());
    // Every entry keeps the batch alive (callback_state): its callbacks hold a plain
    // pointer, small and trivially copyable, which std::function stores without allocating.
    Batch* b = batch.get();
    auto sequenced = [b](std::uint64_t seq) {
        b->seqs.push_back(seq);
        // At `published` the last id answers; the commit's callbacks then only count down.
        if (--b->to_sequence == 0 && !b->at_commit) b->done(std::move(b->seqs));
    };
    auto committed = [b](bool ok) {
        b->failed = b->failed || !ok;
        if (--b->to_commit > 0) return;
        // At `published` the answer went out with the last id (a failed commit is the
        // journal's to log), unless an event never got one: then it is this failure.
        if (!b->at_commit && b->to_sequence == 0) return;
        if (b->failed) b->done(make_error(errc::unavailable, "the store could not record the events"));
        else b->done(std::move(b->seqs));
    };
    std::vector<Journal::Entry> entries;
    entries.reserve(events.size());
    for (auto& event : events) {
        entries.push_back(JournalEntry::producer_event(topic, std::move(event.type), std::move(event.data), sequenced,
                                                       committed, at_commit));
        entries.back().callback_state = batch;
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
