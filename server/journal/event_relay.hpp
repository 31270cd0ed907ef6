// EventRelay: on a store several servers share, the thread that reads the store's
// feed — every event any server committed, in id order — and publishes it to this
// server's hub, so a reader on any server sees the same events with the same ids.
// The feed's messages (cancel, pause, resume) go to a handler of the engine's.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <spdlog/logger.h>

#include "hub/hub.hpp"
#include "journal/journal.hpp"
#include "store/event_feed.hpp"

namespace taskstream {

class EventRelay {
public:
    using OnMessage = std::function<void(const std::string& message)>;
    /// Told after each batch of events is published (on the relay's thread): quick.
    using OnEvents = std::function<void(const std::vector<EventPtr>& events)>;

    EventRelay(EventFeed& feed, Hub& hub, Journal& journal, std::shared_ptr<spdlog::logger> log);
    ~EventRelay();

    /// Before start().
    void on_message(OnMessage handler) { on_message_ = std::move(handler); }
    void on_events(OnEvents handler) { on_events_ = std::move(handler); }

    /// Reads from after the journal's last id on. Throws StoreError.
    void start();
    void stop();

private:
    void run();

    EventFeed& feed_;
    Hub& hub_;
    Journal& journal_;
    std::shared_ptr<spdlog::logger> log_;
    OnMessage on_message_;
    OnEvents on_events_;
    std::mutex mutex_;
    std::condition_variable stop_;
    bool stopping_ = false;
    std::thread thread_;
};

} // namespace taskstream
