#include "journal/event_relay.hpp"

#include "core/thread_name.hpp"

namespace taskstream {

namespace {
constexpr std::chrono::milliseconds kReadWait{1000};  // one blocking read; stop() waits for it at most
constexpr std::chrono::milliseconds kRetryEvery{250};  // after a failed read (the store is away)
constexpr std::chrono::milliseconds kSettleWait{2000};  // longest wait for this server's commit callbacks
} // namespace

EventRelay::EventRelay(EventFeed& feed, Hub& hub, Journal& journal, std::shared_ptr<spdlog::logger> log)
    : feed_(feed), hub_(hub), journal_(journal), log_(std::move(log)) {}

EventRelay::~EventRelay() { stop(); }

void EventRelay::start() {
    feed_.start_after(journal_.last_issued());
    thread_ = std::thread([this] {
        name_this_thread("ts-relay");
        run();
    });
}

void EventRelay::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    stop_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void EventRelay::run() {
    bool failing = false;
    for (;;) {
        {
            std::lock_guard lock(mutex_);
            if (stopping_) return;
        }
        FeedRead got;
        try {
            got = feed_.read(kReadWait);
            if (failing) log_->info("relay: reading the store's events again");
            failing = false;
        } catch (const std::exception& e) {  // StoreError, or an entry of an unexpected shape
            if (!failing) log_->warn("relay: cannot read the store's events ({}); retrying", e.what());
            failing = true;
            std::unique_lock lock(mutex_);
            stop_.wait_for(lock, kRetryEvery, [&] { return stopping_; });
            continue;
        }
        if (!got.events.empty()) {
            // This server's own events wait for their commit callbacks (GET agrees with them).
            if (!journal_.await_settled(got.events.back()->seq, kSettleWait))
                log_->warn("relay: a commit's callbacks took over {} ms; publishing", kSettleWait.count());
            for (const auto& e : got.events) hub_.publish(e);
            const auto last = got.events.back()->seq;
            hub_.committed_through(last);  // read back from the store: committed
            journal_.observe(last);
            if (on_events_) on_events_(got.events);
        }
        if (on_message_)
            for (const auto& m : got.messages) on_message_(m);
    }
}

} // namespace taskstream
