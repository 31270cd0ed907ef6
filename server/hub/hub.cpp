#include "hub/hub.hpp"

#include <algorithm>

namespace taskstream {

Hub::Hub(Options options) : options_(options) {}

Hub::Attachment Hub::attach(const std::string& topic, std::uint64_t after, std::shared_ptr<Subscriber> subscriber) {
    std::lock_guard lock(mutex_);
    auto [it, created] = topics_.try_emplace(topic);
    Topic& t = it->second;
    if (created) t.floor = last_seq_;  // nothing of it in memory: the store has all up to now
    Attachment a;
    a.store_upto = after < t.floor ? t.floor : after;
    a.position = last_seq_;
    a.topic_known = !created;
    a.finished = t.finished;
    for (const auto& e : t.history)
        if (e->seq > after) a.recent.push_back(e);
    t.subscribers.push_back(std::move(subscriber));
    ++subscriber_count_;
    return a;
}

void Hub::detach(const std::string& topic, const Subscriber* subscriber) {
    std::lock_guard lock(mutex_);
    auto it = topics_.find(topic);
    if (it == topics_.end()) return;
    auto& subs = it->second.subscribers;
    auto pos = std::find_if(subs.begin(), subs.end(), [&](const auto& s) { return s.get() == subscriber; });
    if (pos == subs.end()) return;
    subs.erase(pos);
    if (--subscriber_count_ == 0) all_detached_.notify_all();
    if (subs.empty() && it->second.history.empty()) topics_.erase(it);
}

void Hub::continue_after(std::uint64_t seq) {
    std::lock_guard lock(mutex_);
    last_seq_ = std::max(last_seq_, seq);
}

void Hub::publish(const EventPtr& event) {
    std::lock_guard lock(mutex_);
    last_seq_ = event->seq;
    auto [it, created] = topics_.try_emplace(event->topic);
    Topic& t = it->second;
    if (created) t.floor = event->seq - 1;
    t.history.push_back(event);
    if (t.history.size() > options_.topic_history) {
        t.floor = t.history.front()->seq;
        t.history.pop_front();
    }
    for (const auto& s : t.subscribers) s->deliver(event);
    if (!event->terminal) t.finished = false;  // a retried task is live again
    if (event->terminal && !t.finished) {
        t.finished = true;
        finished_order_.push_back(event->topic);
        forget_old_finished_topics();
    }
}

void Hub::forget_old_finished_topics() {
    // Topics still read by someone go to the back: their readers leave after the terminal event.
    for (std::size_t budget = finished_order_.size(); finished_order_.size() > options_.finished_topics && budget > 0;
         --budget) {
        std::string name = std::move(finished_order_.front());
        finished_order_.pop_front();
        auto it = topics_.find(name);
        if (it == topics_.end() || !it->second.finished) continue;  // gone, or live again (it re-enters when done)
        if (it->second.subscribers.empty()) topics_.erase(it);
        else finished_order_.push_back(std::move(name));
    }
}

void Hub::shutdown() {
    std::lock_guard lock(mutex_);
    for (auto& [name, t] : topics_)
        for (const auto& s : t.subscribers) s->shutdown();
}

bool Hub::wait_until_no_subscribers(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return all_detached_.wait_for(lock, timeout, [&] { return subscriber_count_ == 0; });
}

std::uint64_t Hub::last_seq() const {
    std::lock_guard lock(mutex_);
    return last_seq_;
}

std::size_t Hub::subscriber_count() const {
    std::lock_guard lock(mutex_);
    return subscriber_count_;
}

} // namespace taskstream
