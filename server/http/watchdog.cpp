#include "http/watchdog.hpp"

namespace taskstream::http {

Watchdog::Watchdog(boost::asio::ip::tcp::socket& socket)
    : state_(std::make_shared<State>(State{boost::asio::steady_timer(socket.get_executor()), &socket})) {}

Watchdog::~Watchdog() {
    state_->socket = nullptr;
    state_->timer.cancel();
}

void Watchdog::arm(Clock::duration timeout) {
    auto& s = *state_;
    s.expired = false;
    s.deadline = Clock::now() + timeout;
    // A pending wait that ends at or before the deadline will look again when it ends.
    if (s.deadline < s.waits_until) wait_for(state_, s.deadline);
}

void Watchdog::disarm() {
    // The pending wait, if any, stays: it finds no deadline when it ends.
    state_->deadline = Clock::time_point::max();
}

void Watchdog::wait_for(const std::shared_ptr<State>& state, Clock::time_point at) {
    auto& s = *state;
    const unsigned generation = ++s.generation;
    s.waits_until = at;
    s.timer.expires_at(at);  // cancels a pending wait, whose handler then finds a newer generation
    s.timer.async_wait([state, generation](const boost::system::error_code&) {
        auto& s = *state;
        if (generation != s.generation) return;
        s.waits_until = Clock::time_point::max();
        if (!s.socket || s.deadline == Clock::time_point::max()) return;
        if (Clock::now() < s.deadline) return wait_for(state, s.deadline);
        s.expired = true;
        s.deadline = Clock::time_point::max();
        boost::system::error_code ignored;
        s.socket->cancel(ignored);
    });
}

} // namespace taskstream::http
