// Watchdog: a deadline for the socket operation in progress. When it passes,
// the socket's pending operations are cancelled and expired() turns true, so
// the session can still answer (408) before closing. Connection's thread only.
#pragma once

#include <chrono>
#include <memory>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

namespace taskstream::http {

class Watchdog {
public:
    explicit Watchdog(boost::asio::ip::tcp::socket& socket);
    ~Watchdog();
    Watchdog(const Watchdog&) = delete;
    Watchdog& operator=(const Watchdog&) = delete;

    void arm(std::chrono::steady_clock::duration timeout);
    void disarm();
    bool expired() const { return state_->expired; }

private:
    struct State {
        boost::asio::steady_timer timer;
        boost::asio::ip::tcp::socket* socket;
        bool expired = false;
        unsigned generation = 0;
    };
    std::shared_ptr<State> state_;  // shared with the pending timer handler
};

} // namespace taskstream::http
