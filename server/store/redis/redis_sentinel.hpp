// Asking Redis Sentinel which server is the primary now: each sentinel in turn, on a short
// connection of its own (TLS when the store's is; AUTH with --redis-sentinel-password),
// `SENTINEL get-master-addr-by-name PRIMARY`. A connection asks before it is made, so
// a failover is followed on the next connection: the old primary's death, or its
// READONLY once it serves again as a replica, ends the current one.
#pragma once

#include <chrono>
#include <string>
#include <variant>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include "store/redis/redis_url.hpp"

namespace taskstream {

/// The primary's address, or why no sentinel named one (each sentinel within `per_sentinel`).
boost::asio::awaitable<std::variant<RedisHost, std::string>> ask_sentinels(boost::asio::io_context& ioc,
                                                                          boost::asio::ssl::context* tls,
                                                                          const RedisEndpoint& endpoint,
                                                                          std::chrono::milliseconds per_sentinel);

} // namespace taskstream
