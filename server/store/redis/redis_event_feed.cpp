#include "store/redis/redis_event_feed.hpp"

#include "store/redis/redis_checked.hpp"
#include "store/redis/redis_event_entry.hpp"
#include "store/redis/redis_keys.hpp"
#include "store/store.hpp"

namespace taskstream {

namespace {
constexpr std::size_t kReadCount = 1000;  // entries per stream per read
// Beyond the BLOCK time, what the read's answer may take to come back.
constexpr std::chrono::milliseconds kAnswerMargin{1000};
} // namespace

RedisEventFeed::RedisEventFeed(const RedisEndpoint& endpoint, std::string prefix, RedisOptions options,
                               std::shared_ptr<spdlog::logger> log)
    : redis_(endpoint, options, std::move(log)),
      events_key_(redis_key(prefix, "events")),
      control_key_(redis_key(prefix, "control")) {}

void RedisEventFeed::start_after(std::uint64_t seq) {
    events_after_ = redis_stream_id(seq);
    auto r = redis_.exec({{"XREVRANGE", control_key_, "+", "-", "COUNT", "1"}}).at(0);
    checked(r, "XREVRANGE control");
    control_after_ = r.items.empty() ? "0-0" : r.items[0].items.at(0).text;
}

FeedRead RedisEventFeed::read(std::chrono::milliseconds wait) {
    auto r = redis_.exec({{"XREAD", "COUNT", std::to_string(kReadCount), "BLOCK", std::to_string(wait.count()),
                           "STREAMS", events_key_, control_key_, events_after_, control_after_}},
                         wait + kAnswerMargin)
                 .at(0);
    checked(r, "XREAD");
    FeedRead out;
    for (const auto& stream : r.items) {  // nil (nothing came): no items
        const bool events = stream.items.at(0).text == events_key_;
        for (const auto& entry : stream.items.at(1).items) {
            if (events) {
                out.events.push_back(redis_event_of(entry));
                events_after_ = entry.items.at(0).text;
                continue;
            }
            control_after_ = entry.items.at(0).text;
            const auto& fields = entry.items.at(1).items;
            for (std::size_t i = 0; i + 1 < fields.size(); i += 2)
                if (fields[i].text == "msg") out.messages.push_back(fields[i + 1].text);
        }
    }
    return out;
}

} // namespace taskstream
