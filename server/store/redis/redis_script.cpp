#include "store/redis/redis_script.hpp"

#include "core/digest.hpp"

namespace taskstream {

RedisScript::RedisScript(std::string text) : text_(std::move(text)), sha1_(sha1_hex(text_)) {}

RedisReply RedisScript::run(RedisConnection& redis, std::vector<std::string> args) const {
    RedisCommand command{"EVALSHA", sha1_};
    command.insert(command.end(), std::make_move_iterator(args.begin()), std::make_move_iterator(args.end()));
    auto reply = redis.exec({command}).at(0);
    if (reply.is_error() && reply.text.starts_with("NOSCRIPT")) {
        command[0] = "EVAL";
        command[1] = text_;
        reply = redis.exec({std::move(command)}).at(0);
    }
    return reply;
}

} // namespace taskstream
