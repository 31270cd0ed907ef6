// RecordingSubscriber: a hub subscriber for tests that keeps every event it
// is given and lets the test wait (with a timeout) for a condition on them.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "hub/subscriber.hpp"

namespace taskstream::testing {

class RecordingSubscriber final : public Subscriber {
public:
    /// `home`: the shard it lives on; none: delivered on the publishing thread.
    explicit RecordingSubscriber(FanoutShard* home = nullptr) : home_(home) {}

    FanoutShard* home() const override { return home_; }
    void flush() override {
        std::lock_guard lock(mutex_);
        ++flushes_;
    }
    void deliver(const EventPtr& event) override {
        std::lock_guard lock(mutex_);
        events_.push_back(event);
        changed_.notify_all();
    }
    void shutdown() override {
        std::lock_guard lock(mutex_);
        shut_down_ = true;
        changed_.notify_all();
    }

    void cut_off() override {
        std::lock_guard lock(mutex_);
        cut_off_ = true;
        changed_.notify_all();
    }

    std::vector<EventPtr> events() const {
        std::lock_guard lock(mutex_);
        return events_;
    }
    int flushes() const {
        std::lock_guard lock(mutex_);
        return flushes_;
    }
    bool shut_down() const {
        std::lock_guard lock(mutex_);
        return shut_down_;
    }
    bool was_cut_off() const {
        std::lock_guard lock(mutex_);
        return cut_off_;
    }
    /// Waits until `done(events)` holds; false after `timeout`.
    template <typename Pred>
    bool wait_until(Pred done, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout, [&] { return done(events_); });
    }
    bool wait_for_terminal(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        return wait_until([](const auto& es) { return !es.empty() && es.back()->terminal; }, timeout);
    }

private:
    FanoutShard* home_;
    mutable std::mutex mutex_;
    int flushes_ = 0;
    std::condition_variable changed_;
    std::vector<EventPtr> events_;
    bool shut_down_ = false;
    bool cut_off_ = false;
};

} // namespace taskstream::testing
