#include "http/sse_stream.hpp"

#include <random>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "http/sse_subscriber.hpp"
#include "hub/sse_encoder.hpp"

namespace taskstream::http {

namespace asio = boost::asio;

namespace {

unsigned jittered(unsigned ms) {
    thread_local std::minstd_rand rng{std::random_device{}()};
    return ms + static_cast<unsigned>(rng() % (ms / 2 + 1));
}

/// The goodbye before a clean end: a jittered retry, then an event without an id
/// (so that the client's Last-Event-ID stays the last real event).
std::string shutdown_block(unsigned retry_ms) {
    return sse::encode_retry(jittered(retry_ms)) + "event: shutdown\ndata: {\"reason\":\"server shutting down\"}\n\n";
}

/// Ends the stream as soon as the client closes its side, instead of at the
/// next write (a heartbeat may be 15 s away). After the read completes it
/// touches only the subscriber, which it shares: the socket may be gone by then.
asio::awaitable<void> watch_for_close(asio::ip::tcp::socket& socket, std::shared_ptr<SseSubscriber> subscriber) {
    char byte;
    boost::system::error_code ec;
    co_await socket.async_read_some(asio::buffer(&byte, 1), asio::redirect_error(asio::use_awaitable, ec));
    subscriber->client_gone();
}

struct ScopeExit {
    std::function<void()> f;
    ~ScopeExit() {
        if (f) f();
    }
};

} // namespace

std::string sse_response_head() {
    return "HTTP/1.1 200 OK\r\n"
           "Content-Type: text/event-stream\r\n"
           "Cache-Control: no-store\r\n"
           "X-Accel-Buffering: no\r\n"
           "Connection: close\r\n"
           "\r\n";
}

asio::awaitable<void> run_sse_stream(asio::ip::tcp::socket& socket, Watchdog& watchdog, StreamReply& stream,
                                     const SseOptions& options, spdlog::logger& log) {
    ScopeExit detach{stream.detach};
    auto& subscriber = *stream.subscriber;
    boost::system::error_code ec;
    const std::string no_prefix;
    const std::vector<EventPtr> no_events;
    const std::string heartbeat = sse::encode_comment("heartbeat");

    // Write `events` (plus a prefix) in one gathered write; false when the client is gone.
    auto write = [&](const std::string& prefix, const std::vector<EventPtr>& events) -> asio::awaitable<bool> {
        std::vector<asio::const_buffer> buffers;
        buffers.reserve(events.size() + 1);
        if (!prefix.empty()) buffers.emplace_back(asio::buffer(prefix));
        for (const auto& e : events) buffers.emplace_back(asio::buffer(*e->wire));
        watchdog.arm(options.write_timeout);
        co_await asio::async_write(socket, buffers, asio::redirect_error(asio::use_awaitable, ec));
        watchdog.disarm();
        if (ec && watchdog.expired()) log.info("sse: closing a stalled stream (no progress for {} ms)",
                                               options.write_timeout.count());
        co_return !ec;
    };
    auto ends_stream = [&](const std::vector<EventPtr>& events) {
        if (!stream.end_after_terminal) return false;
        for (const auto& e : events)
            if (e->terminal) return true;
        return false;
    };

    const std::string head = sse_response_head() + sse::encode_retry(jittered(options.retry_ms));
    if (!co_await write(head, stream.replay)) co_return;
    if (stream.replay_may_end && ends_stream(stream.replay)) co_return;
    stream.replay.clear();
    asio::co_spawn(socket.get_executor(), watch_for_close(socket, stream.subscriber), asio::detached);

    for (;;) {
        co_await subscriber.wait(options.heartbeat);
        auto batch = subscriber.take();
        if (batch.client_gone) {
            log.debug("sse: the client closed its stream");
            co_return;
        }
        if (batch.overflow) {
            log.info("sse: reader fell behind its bound; closing, it resumes from history");
            co_return;
        }
        if (!batch.events.empty()) {
            if (!co_await write(no_prefix, batch.events)) co_return;
            if (ends_stream(batch.events)) co_return;
        }
        if (batch.shutdown) {
            const std::string goodbye = shutdown_block(options.retry_ms);
            co_await write(goodbye, no_events);
            co_return;
        }
        if (batch.events.empty() && !co_await write(heartbeat, no_events)) co_return;
    }
}

} // namespace taskstream::http
