#include "store/redis/redis_reply.hpp"

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

} // namespace taskstream
