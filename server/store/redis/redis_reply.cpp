#include "store/redis/redis_reply.hpp"

#include <stdexcept>

#include <hiredis/hiredis.h>

namespace taskstream {

RedisReply RedisReply::from_hiredis(const redisReply& r) {
    RedisReply out;
    switch (r.type) {
    case REDIS_REPLY_STRING:
        out.type = Type::string;
        out.text.assign(r.str, r.len);
        break;
    case REDIS_REPLY_STATUS:
        out.type = Type::status;
        out.text.assign(r.str, r.len);
        break;
    case REDIS_REPLY_ERROR:
        out.type = Type::error;
        out.text.assign(r.str, r.len);
        break;
    case REDIS_REPLY_INTEGER:
        out.type = Type::integer;
        out.integer = r.integer;
        break;
    case REDIS_REPLY_ARRAY:
        out.type = Type::array;
        out.items.reserve(r.elements);
        for (std::size_t i = 0; i < r.elements; ++i) out.items.push_back(from_hiredis(*r.element[i]));
        break;
    default:
        out.type = Type::nil;
        break;
    }
    return out;
}

void append_resp(std::string& out, const RedisCommand& command) {
    out += '*';
    out += std::to_string(command.size());
    out += "\r\n";
    for (const auto& word : command) {
        out += '$';
        out += std::to_string(word.size());
        out += "\r\n";
        out += word;
        out += "\r\n";
    }
}

std::optional<RedisReply> take_reply(redisReader* reader) {
    void* raw = nullptr;
    if (redisReaderGetReply(reader, &raw) != REDIS_OK) throw std::runtime_error("redis protocol error");
    if (!raw) return std::nullopt;
    auto* reply = static_cast<redisReply*>(raw);
    RedisReply out = RedisReply::from_hiredis(*reply);
    freeReplyObject(reply);
    return out;
}

} // namespace taskstream
