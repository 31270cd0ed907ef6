#include "streams/stream_opener.hpp"

namespace taskstream {

Outcome<OpenedStream> StreamOpener::open(const StreamSource& source, std::optional<std::uint64_t> after,
                                         const std::shared_ptr<Subscriber>& subscriber, const ResetEvent& make_reset) {
    // An id beyond any ever issued (a client that kept it across a data-dir reset)
    // places the client nowhere in this history: like a lost history, it is reset
    // and then gets live events, instead of waiting for ids that will not come.
    const bool beyond = after && !journal_.has_issued(*after);
    const auto attach_after = beyond ? std::nullopt : after;
    auto attachment = source.filter ? hub_.attach_filter(source.filter, attach_after, subscriber)
                                    : hub_.attach(source.topic, attach_after, subscriber);
    auto fail = [&](Error error) {
        close(source, subscriber.get());
        return error;
    };
    OpenedStream opened;
    opened.topic_known = attachment.topic_known;
    opened.finished = attachment.finished;
    try {
        if (beyond || (after && attachment.store_upto > *after && history_lost(source, *after))) {
            auto reset = make_reset(attachment.position);
            if (!reset) return fail(std::move(reset).error());
            opened.replay = std::make_shared<Replay>(std::vector<EventPtr>{std::move(reset).value()});
            opened.reset = true;
            return opened;
        }
        opened.replay = std::make_shared<Replay>(store_, source, after.value_or(0), attachment.store_upto,
                                                 std::move(attachment.recent), page_);
        // The first page is read now, so that a store error is answered 503 before the stream starts.
        opened.replay->exhausted();
    } catch (const StoreError& e) {
        return fail(unavailable_after(e, *log_));
    }
    return opened;
}

bool StreamOpener::history_lost(const StreamSource& source, std::uint64_t after) {
    if (!source.filter) return store_.pruned_floor(source.topic) > after;
    // Last-Event-ID 0 on a multiplexed stream asks for everything still kept.
    return after > 0 && store_.pruned_floor(*source.filter) > after;
}

void StreamOpener::close(const StreamSource& source, const Subscriber* subscriber) {
    if (source.filter) hub_.detach_filter(subscriber);
    else hub_.detach(source.topic, subscriber);
}

} // namespace taskstream
