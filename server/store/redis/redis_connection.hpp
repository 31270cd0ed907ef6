// RedisConnection: one connection to Redis (TCP, or TLS: redis_stream), driven by Asio on a thread of its
// own (hiredis parses the replies; nothing here blocks an I/O thread). Commands
// from any thread are pipelined: everything queued goes out in one write and the
// replies are matched in order. Every request has a deadline; a connection that
// breaks or stays silent past one is dropped and made again with backoff, while
// the requests not yet written wait for it (within their deadline) — once an attempt
// has failed, they hear so at once, and new ones try a connection at once and wait briefly.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>
#include <spdlog/logger.h>

#include "store/redis/redis_reply.hpp"
#include "store/redis/redis_stream.hpp"
#include "store/redis/redis_url.hpp"

struct redisReader;

namespace taskstream {

struct RedisOptions {
    /// A request's whole life, waiting for a connection included: past it the caller hears
    /// `timed_out` (and a request already sent takes its connection down with it).
    std::chrono::milliseconds command_timeout{1500};  // under the 2 s in which a POST hears 503 when Redis is away
    std::chrono::milliseconds backoff_base{50};  // reconnecting: full jitter, doubling up to the max
    std::chrono::milliseconds backoff_max{2000};
    std::size_t max_pending = 10000;  // requests queued or awaiting replies; past it: no_buffer_space
    /// Once an attempt to connect has failed (or a request waited its whole deadline for an
    /// answer), a request waits this long at most, for a connection attempted at once.
    std::chrono::milliseconds down_wait{100};
    /// The store's: a commit a client hears of is answered only once this many replicas
    /// have it (WAIT, within the write's window); 0: once the primary has it.
    unsigned min_replicas = 0;
    /// With sentinels: how often a connection asks them again whether the primary moved.
    std::chrono::milliseconds sentinel_interval{1000};
};

class RedisConnection {
public:
    using Replies = std::vector<RedisReply>;
    using Signature = void(boost::system::error_code, Replies);

    /// Throws StoreError when the endpoint's TLS files cannot be used.
    RedisConnection(RedisEndpoint endpoint, RedisOptions options, std::shared_ptr<spdlog::logger> log);
    /// Stops the thread; requests still pending complete with operation_aborted.
    ~RedisConnection();
    RedisConnection(const RedisConnection&) = delete;
    RedisConnection& operator=(const RedisConnection&) = delete;

    /// Sends `commands` (one request: they go out together and their replies come back
    /// together, in order) and completes on the token's executor. A Redis error is a
    /// reply of type error, not an error code; error codes mean no answer: timed_out,
    /// connection_reset (sent, outcome unknown), no_buffer_space, operation_aborted.
    template <typename Token>
    auto async_exec(std::vector<RedisCommand> commands, Token&& token) {
        return async_exec(std::move(commands), options_.command_timeout, std::forward<Token>(token));
    }
    template <typename Token>
    auto async_exec(std::vector<RedisCommand> commands, std::chrono::milliseconds timeout, Token&& token) {
        return boost::asio::async_initiate<Token, Signature>(
            [this, timeout](auto handler, std::vector<RedisCommand> cmds) {
                auto shared = std::make_shared<decltype(handler)>(std::move(handler));
                submit(std::move(cmds), timeout, [shared](boost::system::error_code ec, Replies replies) {
                    auto ex = boost::asio::get_associated_executor(*shared);
                    boost::asio::post(ex, [shared, ec, replies = std::move(replies)]() mutable {
                        std::move (*shared)(ec, std::move(replies));
                    });
                });
            },
            token, std::move(commands));
    }

    /// The same, waiting for the answer: for threads that are not I/O threads (the
    /// journal's writer). Throws StoreError (busy) when there is no answer.
    Replies exec(std::vector<RedisCommand> commands);
    Replies exec(std::vector<RedisCommand> commands, std::chrono::milliseconds timeout);

    /// True while a connection is up and has passed AUTH and SELECT.
    bool connected() const noexcept { return connected_.load(std::memory_order_relaxed); }
    const RedisEndpoint& endpoint() const noexcept { return endpoint_; }

private:
    using Clock = std::chrono::steady_clock;
    using Completion = std::function<void(boost::system::error_code, Replies)>;

    struct Request {
        std::string bytes;
        std::size_t expected = 0;
        Replies replies;
        Clock::time_point deadline;
        Completion done;
    };

    void submit(std::vector<RedisCommand> commands, std::chrono::milliseconds timeout, Completion done);
    void enqueue(Request request, bool front = false);
    boost::asio::awaitable<void> run();
    boost::asio::awaitable<bool> connect_once();
    boost::asio::awaitable<void> write_loop(std::uint64_t generation, std::shared_ptr<RedisStream> stream);
    boost::asio::awaitable<void> read_loop(std::uint64_t generation, std::shared_ptr<RedisStream> stream);
    boost::asio::awaitable<void> watch_deadlines();
    boost::asio::awaitable<void> watch_primary(std::uint64_t generation);
    void rearm_watch();
    void deliver(RedisReply reply);
    void drop(boost::system::error_code why, const char* what);
    void fail_all(boost::system::error_code why);
    void fail_waiting(boost::system::error_code why);
    /// Logs why an attempt to connect failed and keeps it for exec's errors; false.
    bool failed_attempt(const std::string& reason);
    void shutdown();

    RedisEndpoint endpoint_;
    RedisOptions options_;
    std::shared_ptr<spdlog::logger> log_;

    boost::asio::io_context ioc_{1};
    std::unique_ptr<boost::asio::ssl::context> tls_;  // rediss:// only
    std::shared_ptr<RedisStream> stream_;              // the current connection's
    std::mutex failure_mutex_;
    std::string last_failure_;  // why the last attempt to connect failed: said by exec's errors
    std::string connected_to_;  // with sentinels: " (primary host:port)", for the log
    RedisHost primary_;         // with sentinels: the server this connection is to
    boost::asio::steady_timer write_wake_{ioc_};    // a request was queued
    boost::asio::steady_timer dropped_{ioc_};       // the connection went down (run() waits on it)
    boost::asio::steady_timer deadline_timer_{ioc_};
    Clock::time_point armed_for_ = Clock::time_point::max();
    std::deque<Request> waiting_;    // not written yet
    std::deque<Request> in_flight_;  // written, replies pending, in order
    redisReader* reader_ = nullptr;
    std::uint64_t generation_ = 0;   // one per connection: loops of an older one stop
    bool up_ = false;                // this connection is usable (thread-local view of connected_)
    bool stopped_ = false;
    bool failing_fast_ = false;      // known to be down: requests wait briefly (RedisOptions::down_wait)
    std::atomic<bool> connected_{false};
    std::mt19937_64 rng_{std::random_device{}()};
    std::thread thread_;
};

} // namespace taskstream
