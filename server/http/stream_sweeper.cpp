#include "http/stream_sweeper.hpp"

#include <algorithm>

#include <boost/asio/post.hpp>

#include "http/sse_connection.hpp"

namespace taskstream::http {

namespace {

/// A quarter of the shortest deadline: a heartbeat goes out at most 25 % late
/// and a stalled write is closed at most 25 % after its timeout.
std::chrono::milliseconds sweep_period(const SseOptions& o) {
    auto shortest = std::min(o.heartbeat, o.write_timeout);
    return std::clamp(shortest / 4, std::chrono::milliseconds(5), std::chrono::milliseconds(1000));
}

} // namespace

StreamSweeper::StreamSweeper(boost::asio::io_context& context, const SseOptions& options,
                             std::shared_ptr<spdlog::logger> log)
    : timer_(context), options_(options), log_(std::move(log)), period_(sweep_period(options)) {}

void StreamSweeper::start() {
    boost::asio::post(timer_.get_executor(), [this] { schedule(); });
}

void StreamSweeper::add(SseConnection* connection) {
    connection->sweep_index_ = connections_.size();
    connections_.push_back(connection);
}

void StreamSweeper::remove(SseConnection* connection) {
    const std::size_t i = connection->sweep_index_;
    if (i >= connections_.size() || connections_[i] != connection) return;
    connections_[i] = connections_.back();
    connections_[i]->sweep_index_ = i;
    connections_.pop_back();
}

void StreamSweeper::schedule() {
    timer_.expires_after(period_);
    timer_.async_wait([this](const boost::system::error_code& ec) {
        if (ec) return;
        sweep();
        schedule();
    });
}

void StreamSweeper::sweep() {
    const auto now = std::chrono::steady_clock::now();
    // A connection closed here leaves the list later (its close is posted), so
    // the list does not change under this loop.
    for (SseConnection* connection : connections_) connection->sweep(now);
}

} // namespace taskstream::http
