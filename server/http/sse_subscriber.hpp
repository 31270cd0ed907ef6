// SseSubscriber: the hub-facing half of an SSE connection — a bounded queue
// that any thread may deliver into, and a wake-up for the connection's
// I/O thread. Its io_context must be run by exactly one thread.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "hub/subscriber.hpp"

namespace taskstream::http {

class SseSubscriber final : public Subscriber, public std::enable_shared_from_this<SseSubscriber> {
public:
    struct Limits {
        std::size_t max_events = 1000;
        std::size_t max_bytes = 1 << 20;
    };
    /// What the connection takes in one go.
    struct Batch {
        std::vector<EventPtr> events;
        bool shutdown = false;
        bool overflow = false;  // fell behind its bound: close, the client resumes from history
        bool client_gone = false;  // the client closed its side
    };

    SseSubscriber(boost::asio::any_io_executor executor, Limits limits);

    /// Any thread, hub lock held.
    void deliver(const EventPtr& event) override;
    void shutdown() override;
    /// The connection saw the client close (any thread).
    void client_gone();

    /// Connection's thread: waits until something is queued or `timeout` passes.
    boost::asio::awaitable<void> wait(std::chrono::steady_clock::duration timeout);
    /// Connection's thread: everything queued so far.
    Batch take();

private:
    void wake_locked();
    void merge_progress_locked();

    boost::asio::any_io_executor executor_;
    boost::asio::steady_timer timer_;  // connection's thread only
    Limits limits_;

    std::mutex mutex_;
    std::vector<EventPtr> queue_;
    std::size_t queued_bytes_ = 0;
    bool shutdown_ = false;
    bool overflow_ = false;
    bool client_gone_ = false;
    bool waiting_ = false;      // the connection sleeps in wait()
    bool wake_posted_ = false;  // a wake-up is on its way
};

} // namespace taskstream::http
