#include "http/sse_subscriber.hpp"

#include <unordered_set>

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace taskstream::http {

namespace asio = boost::asio;

SseSubscriber::SseSubscriber(asio::any_io_executor executor, Limits limits)
    : executor_(executor), timer_(executor), limits_(limits) {}

void SseSubscriber::deliver(const EventPtr& event) {
    std::lock_guard lock(mutex_);
    if (overflow_ || shutdown_) return;
    queue_.push_back(event);
    queued_bytes_ += event->wire->size();
    if (queue_.size() > limits_.max_events || queued_bytes_ > limits_.max_bytes) {
        merge_progress_locked();
        if (queue_.size() > limits_.max_events || queued_bytes_ > limits_.max_bytes) {
            overflow_ = true;
            queue_.clear();
            queued_bytes_ = 0;
        }
    }
    wake_locked();
}

void SseSubscriber::client_gone() {
    std::lock_guard lock(mutex_);
    client_gone_ = true;
    wake_locked();
}

void SseSubscriber::shutdown() {
    std::lock_guard lock(mutex_);
    shutdown_ = true;
    wake_locked();
}

/// A reader that fell behind first loses stale progress ticks: of the queued
/// `progress` events of one topic only the newest stays. Nothing else is dropped.
void SseSubscriber::merge_progress_locked() {
    std::unordered_set<std::string_view> newest_seen;
    std::vector<EventPtr> kept;
    kept.reserve(queue_.size());
    for (auto it = queue_.rbegin(); it != queue_.rend(); ++it) {
        const auto& e = *it;
        if (e->type == "progress" && !newest_seen.insert(e->topic).second) {
            queued_bytes_ -= e->wire->size();
            continue;
        }
        kept.push_back(e);
    }
    queue_.assign(kept.rbegin(), kept.rend());
}

void SseSubscriber::wake_locked() {
    if (!waiting_ || wake_posted_) return;
    wake_posted_ = true;
    asio::post(executor_, [self = shared_from_this()] {
        {
            std::lock_guard lock(self->mutex_);
            self->wake_posted_ = false;
        }
        self->timer_.cancel();
    });
}

asio::awaitable<void> SseSubscriber::wait(std::chrono::steady_clock::duration timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        {
            std::lock_guard lock(mutex_);
            if (!queue_.empty() || shutdown_ || overflow_ || client_gone_ ||
                std::chrono::steady_clock::now() >= deadline) {
                waiting_ = false;
                co_return;
            }
            waiting_ = true;
        }
        // No other handler of this (single-threaded) context runs before the
        // wait below is registered, so a posted wake-up cannot be missed.
        timer_.expires_at(deadline);
        boost::system::error_code ec;
        co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
}

SseSubscriber::Batch SseSubscriber::take() {
    std::lock_guard lock(mutex_);
    Batch b;
    b.events.swap(queue_);
    queued_bytes_ = 0;
    b.shutdown = shutdown_;
    b.overflow = overflow_;
    b.client_gone = client_gone_;
    return b;
}

} // namespace taskstream::http
