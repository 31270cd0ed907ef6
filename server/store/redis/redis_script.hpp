// RedisScript: a Lua script run by its SHA1 (EVALSHA), so that its text — several KB
// for the queue's scripts — crosses the socket and is hashed by Redis once, not on
// every claim and release. A Redis that lacks it (restarted, SCRIPT FLUSH) answers
// NOSCRIPT, and the text is sent once more (EVAL caches it again).
#pragma once

#include <string>
#include <vector>

#include "store/redis/redis_connection.hpp"

namespace taskstream {

class RedisScript {
public:
    explicit RedisScript(std::string text);

    const std::string& text() const { return text_; }
    const std::string& sha1() const { return sha1_; }

    /// EVALSHA with `args` (numkeys, the keys, then ARGV), EVAL on NOSCRIPT: the reply.
    /// Errors of the connection throw as RedisConnection::exec's do.
    RedisReply run(RedisConnection& redis, std::vector<std::string> args) const;

private:
    std::string text_;
    std::string sha1_;
};

/// The script of `Text` (a constant of static storage: the queue's scripts), hashed once.
template <const std::string& Text>
const RedisScript& cached_script() {
    static const RedisScript script{Text};
    return script;
}

} // namespace taskstream
