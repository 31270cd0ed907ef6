// The SSE half of a connection: writes the stream headers, the replay, then
// live events as they come — one write in flight, each write gathering
// everything queued — with heartbeats, until the end of the stream.
#pragma once

#include <chrono>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <spdlog/logger.h>

#include "http/http_types.hpp"
#include "http/watchdog.hpp"

namespace taskstream::http {

struct SseOptions {
    std::chrono::milliseconds heartbeat{15000};
    std::chrono::milliseconds write_timeout{10000};
    unsigned retry_ms = 3000;  // sent with up to 50 % jitter, so clients do not reconnect in step
};

/// Runs on the connection's thread until the stream ends; always detaches the subscriber.
/// (Arguments by reference: GCC 12 mishandles non-trivial temporaries in co_await expressions.)
boost::asio::awaitable<void> run_sse_stream(boost::asio::ip::tcp::socket& socket, Watchdog& watchdog,
                                            StreamReply& stream, const SseOptions& options, spdlog::logger& log);

/// The response head of every event stream.
std::string sse_response_head();

} // namespace taskstream::http
