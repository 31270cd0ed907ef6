#include "topics/topic_service.hpp"


#include "core/clock.hpp"
#include "core/ids.hpp"
#include "model/sse_encoder.hpp"

namespace taskstream {

Outcome<std::vector<ProducerEvent>> parse_producer_events(const nlohmann::json& body) {
    const bool many = body.is_array();
    if (many && (body.empty() || body.size() > 1000))
        return make_error(errc::validation_failed, "send 1 to 1000 events in one request");
    std::vector<ProducerEvent> out;
    for (std::size_t i = 0; i < (many ? body.size() : 1); ++i) {
        const auto& e = many ? body[i] : body;
        const std::string where = many ? "/" + std::to_string(i) : "";
        auto invalid = [&](const std::string& pointer, const std::string& detail) {
            return make_error(errc::validation_failed, "event" + (many ? " " + std::to_string(i) : "") + ": " + detail,
                              {{"errors", {{{"pointer", where + pointer}, {"detail", detail}}}}});
        };
        if (!e.is_object()) return invalid("", "an event is an object {type?, data}");
        for (auto it = e.begin(); it != e.end(); ++it)
            if (it.key() != "type" && it.key() != "data") return invalid("/" + it.key(), "is not an allowed member");
        if (!e.contains("data")) return invalid("/data", "is required");
        ProducerEvent p;
        if (e.contains("type")) {
            if (!e["type"].is_string() || !sse::is_valid_field(e["type"].get<std::string>(), 64))
                return make_error(errc::bad_request, "type must be 1 to 64 characters without control characters",
                                  {{"errors", {{{"pointer", where + "/type"}, {"detail", "control characters or bad length"}}}}});
            p.type = e["type"].get<std::string>();
        }
        p.data = e["data"].is_string() ? e["data"].get<std::string>() : e["data"].dump();
        out.push_back(std::move(p));
    }
    return out;
}

TopicService::TopicService(Store& store, Journal& journal, Hub& hub, Options options,
                           std::shared_ptr<spdlog::logger> log)
    : store_(store), journal_(journal), hub_(hub), options_(options), log_(std::move(log)) {}

void TopicService::publish(const std::string& topic, std::vector<ProducerEvent> events,
                           std::function<void(Outcome<std::vector<std::string>>)> done) {
    // Its entries are called back on the journal's thread, in order; the last one answers.
    struct Batch {
        std::vector<std::string> ids;
        std::size_t remaining;
        bool failed = false;
        std::function<void(Outcome<std::vector<std::string>>)> done;
    };
    auto batch = std::make_shared<Batch>(Batch{{}, events.size(), false, std::move(done)});
    std::vector<Journal::Entry> entries;
    for (auto& event : events) {
        Journal::Entry entry;
        entry.has_event = true;
        entry.topic = topic;
        entry.type = std::move(event.type);
        entry.data = std::move(event.data);
        entry.durable = true;
        entry.publish_before_commit = true;
        entry.sequenced = [batch](std::uint64_t seq) { batch->ids.push_back(format_event_id(seq)); };
        entry.done = [batch](bool committed) {
            batch->failed = batch->failed || !committed;
            if (--batch->remaining > 0) return;
            if (batch->failed) batch->done(make_error(errc::unavailable, "the store could not record the events"));
            else batch->done(std::move(batch->ids));
        };
        entries.push_back(std::move(entry));
    }
    if (!journal_.try_append_all(std::move(entries)))
        batch->done(make_error(errc::unavailable, "the server is busy; try again"));
}

Outcome<std::vector<EventPtr>> TopicService::open(std::shared_ptr<const TopicFilter> filter,
                                                  std::optional<std::uint64_t> resume_after,
                                                  const std::shared_ptr<Subscriber>& subscriber) {
    auto attachment = hub_.attach_filter(filter, resume_after, subscriber);
    const std::uint64_t after = resume_after.value_or(0);
    std::vector<EventPtr> replay;
    auto reset = [&] {
        nlohmann::json data{{"reason", "the stream is further behind than the history kept; reload the state"}};
        return std::vector<EventPtr>{make_event(attachment.position, "", "reset", data.dump(), now_ms(), false)};
    };
    if (attachment.store_upto > after) {
        try {
            replay = store_.load_matching(*filter, after, attachment.store_upto, options_.max_replay + 1);
        } catch (const StoreError& e) {
            hub_.detach_filter(subscriber.get());
            log_->warn("store read failed: {}", e.what());
            return make_error(errc::unavailable, "the store is busy; try again");
        }
        if (replay.size() > options_.max_replay) return reset();
    }
    replay.insert(replay.end(), attachment.recent.begin(), attachment.recent.end());
    return replay;
}

void TopicService::close(const Subscriber* subscriber) { hub_.detach_filter(subscriber); }

} // namespace taskstream
