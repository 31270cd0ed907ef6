#include "http/watchdog.hpp"

namespace taskstream::http {

Watchdog::Watchdog(boost::asio::ip::tcp::socket& socket)
    : state_(std::make_shared<State>(State{boost::asio::steady_timer(socket.get_executor()), &socket})) {}

Watchdog::~Watchdog() {
    state_->socket = nullptr;
    state_->timer.cancel();
}

void Watchdog::arm(std::chrono::steady_clock::duration timeout) {
    auto& s = *state_;
    s.expired = false;
    const unsigned generation = ++s.generation;
    s.timer.expires_after(timeout);
    s.timer.async_wait([state = state_, generation](const boost::system::error_code& ec) {
        // A stale expiry (re-armed or destroyed since) is ignored by its generation.
        if (ec || generation != state->generation || !state->socket) return;
        state->expired = true;
        boost::system::error_code ignored;
        state->socket->cancel(ignored);
    });
}

void Watchdog::disarm() {
    ++state_->generation;
    state_->timer.cancel();
}

} // namespace taskstream::http
