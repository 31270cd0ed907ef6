// What Redis answers, as a value (hiredis's reply tree copied out and freed), and
// a command in the protocol's own framing (RESP arrays of bulk strings).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct redisReply;
struct redisReader;

namespace taskstream {

/// One command: its words, each sent as a bulk string (binary-safe).
using RedisCommand = std::vector<std::string>;

struct RedisReply {
    enum class Type { string, status, integer, nil, array, error };

    Type type = Type::nil;
    std::string text;              // string, status, error
    std::int64_t integer = 0;      // integer
    std::vector<RedisReply> items; // array

    bool is_error() const noexcept { return type == Type::error; }
    bool is_nil() const noexcept { return type == Type::nil; }

    /// hiredis's reply, copied (the caller still frees it).
    static RedisReply from_hiredis(const redisReply& r);
};

/// Appends `command` to `out` in RESP framing: *N, then $len and the bytes of each word.
void append_resp(std::string& out, const RedisCommand& command);

/// The next whole reply the parser holds, if any. Throws std::runtime_error on a protocol error.
std::optional<RedisReply> take_reply(redisReader* reader);

} // namespace taskstream
