#include "store/redis/redis_event_entry.hpp"

#include <charconv>

namespace taskstream {

std::string redis_stream_id(std::uint64_t seq) { return std::to_string(seq) + "-0"; }

std::uint64_t redis_seq_of(const std::string& id) {
    std::uint64_t seq = 0;
    std::from_chars(id.data(), id.data() + id.size(), seq);  // "<seq>-0": stops at the '-'
    return seq;
}

std::int64_t redis_int(const std::string& text) {
    std::int64_t value = 0;
    std::from_chars(text.data(), text.data() + text.size(), value);
    return value;
}

/// One stream entry, [id, [field, value, …]], as an event.
EventPtr redis_event_of(const RedisReply& entry) {
    const auto& id = entry.items.at(0).text;
    const auto& fields = entry.items.at(1).items;
    std::string topic, type, data, kind, owner;
    std::int64_t ts = 0;
    bool terminal = false;
    for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
        const auto& name = fields[i].text;
        const auto& value = fields[i + 1].text;
        if (name == "topic") topic = value;
        else if (name == "type") type = value;
        else if (name == "data") data = value;
        else if (name == "ts") ts = redis_int(value);
        else if (name == "terminal") terminal = value == "1";
        else if (name == "kind") kind = value;
        else if (name == "owner") owner = value;
    }
    return make_event(redis_seq_of(id), std::move(topic), std::move(type), std::move(data), ts, terminal, std::move(kind),
                      std::move(owner));
}

} // namespace taskstream
