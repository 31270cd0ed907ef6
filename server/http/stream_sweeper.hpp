// StreamSweeper: the housekeeping of one I/O thread's event streams. One
// periodic timer per thread instead of timers per stream: it sends the
// heartbeat of every stream idle for a heartbeat interval and closes every
// stream whose write has not finished within the write timeout.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/logger.h>

namespace taskstream::http {

class SseConnection;

struct SseOptions {
    std::chrono::milliseconds heartbeat{15000};
    std::chrono::milliseconds write_timeout{10000};
    unsigned retry_ms = 3000;  // sent with up to 50 % jitter, so clients do not reconnect in step
    std::size_t send_buffer_bytes = 128 * 1024;  // SO_SNDBUF of a stream's socket (0: the kernel's default)
};

class StreamSweeper {
public:
    StreamSweeper(boost::asio::io_context& context, const SseOptions& options, std::shared_ptr<spdlog::logger> log);
    StreamSweeper(const StreamSweeper&) = delete;
    StreamSweeper& operator=(const StreamSweeper&) = delete;

    /// Starts the periodic sweep (from any thread: it is posted to the context).
    void start();

    // The thread's own connections, on the thread.
    void add(SseConnection* connection);
    void remove(SseConnection* connection);

    const SseOptions& options() const { return options_; }
    spdlog::logger& log() const { return *log_; }

private:
    void schedule();
    void sweep();

    boost::asio::steady_timer timer_;
    SseOptions options_;
    std::shared_ptr<spdlog::logger> log_;
    std::chrono::milliseconds period_;
    std::vector<SseConnection*> connections_;
};

} // namespace taskstream::http
