// An event as a Redis stream entry: id "<seq>-0", fields topic, type, data, ts,
// terminal, kind, owner (what RedisStore writes and both it and RedisEventFeed read).
#pragma once

#include <cstdint>
#include <string>

#include "model/event.hpp"
#include "store/redis/redis_reply.hpp"

namespace taskstream {

std::string redis_stream_id(std::uint64_t seq);
/// "<seq>-0" → seq.
std::uint64_t redis_seq_of(const std::string& id);
/// A decimal reply text → its value (0 if it is none).
std::int64_t redis_int(const std::string& text);
/// One stream entry, [id, [field, value, …]], as an event.
EventPtr redis_event_of(const RedisReply& entry);

} // namespace taskstream
