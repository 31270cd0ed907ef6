// A Redis reply checked where it is read: an error reply is a StoreError naming what
// was asked, so every caller reports Redis's refusals the same way.
#pragma once

#include <string>
#include <string_view>

#include "store/redis/redis_reply.hpp"
#include "store/store.hpp"

namespace taskstream {

/// `r`, unless Redis answered an error: then throws StoreError("redis <what>: <error>").
inline const RedisReply& checked(const RedisReply& r, std::string_view what) {
    if (r.is_error()) throw StoreError("redis " + std::string(what) + ": " + r.text);
    return r;
}

} // namespace taskstream
