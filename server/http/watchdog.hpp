// Watchdog: a deadline for the socket operation in progress. When it passes,
// the socket's pending operations are cancelled and expired() turns true, so
// the session can still answer (408) before closing. Connection's thread only.
//
// A session moves its deadline four times a request (idle, head, body, write).
// Moving it only records the new time: the one timer is rescheduled when the new
// deadline is earlier than the time it waits for, and otherwise, on waking
// early, waits again for the deadline then current. So a keep-alive session
// costs about one timer wake-up per shortest timeout, not four timer
// operations per request.
#pragma once

#include <chrono>
#include <memory>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

namespace taskstream::http {

class Watchdog {
public:
    using Clock = std::chrono::steady_clock;

    explicit Watchdog(boost::asio::ip::tcp::socket& socket);
    ~Watchdog();
    Watchdog(const Watchdog&) = delete;
    Watchdog& operator=(const Watchdog&) = delete;

    void arm(Clock::duration timeout);
    void disarm();
    bool expired() const { return state_->expired; }

private:
    struct State {
        boost::asio::steady_timer timer;
        boost::asio::ip::tcp::socket* socket;
        Clock::time_point deadline = Clock::time_point::max();     // max: disarmed
        Clock::time_point waits_until = Clock::time_point::max();  // of the pending wait; max: none
        bool expired = false;
        unsigned generation = 0;  // of the pending wait: a cancelled one is ignored
    };
    static void wait_for(const std::shared_ptr<State>& state, Clock::time_point at);
    std::shared_ptr<State> state_;  // shared with the pending timer handler
};

} // namespace taskstream::http
