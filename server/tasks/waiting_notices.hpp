// WaitingNotices: a `waiting` event on a task's stream when why it waits changes
// (DESIGN §9.1). Once a second it looks at the waiting tasks someone may be
// watching here — those whose own stream is open on this server, and, while a
// multiplexed stream is open, the newest waiting ones — and records a notice for
// each that has waited a round at least and whose reason differs from the last one
// on its stream. So a task gets at most one a second, a queue that keeps moving
// gets none, and nobody watching costs nothing. On a shared store each
// notice is claimed for its task and second (OnceClaims) and the notices other
// servers record are heard (seen()), so several servers watching one task record
// a change once. The task's JSON `waiting` stays the answer at any moment.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <spdlog/logger.h>

#include "hub/hub.hpp"
#include "store/store.hpp"
#include "tasks/engine.hpp"

namespace taskstream {

class WaitingNotices {
public:
    struct Options {
        std::chrono::milliseconds period{1000};
        std::size_t max_tasks = 500;  // looked at per round: a bound on what one round costs
    };
    /// `claims`: the shared store's (several servers); nullptr on a store of one server.
    WaitingNotices(Engine& engine, Hub& hub, OnceClaims* claims, Options options, std::shared_ptr<spdlog::logger> log);
    ~WaitingNotices();

    void start();
    void stop();
    /// One round: what it looks at, and a notice for each change.
    void look();
    /// Events committed by any server: the `waiting` ones say what a stream shows now.
    void seen(const std::vector<EventPtr>& events);

private:
    std::vector<Task> watched_waiting_tasks();

    Engine& engine_;
    Hub& hub_;
    OnceClaims* claims_;
    Options options_;
    std::shared_ptr<spdlog::logger> log_;
    std::mutex mutex_;  // stopping_ and heard_
    std::condition_variable wake_;
    bool stopping_ = false;
    /// Notices recorded since the last round, by any server (seen()): task id -> its text.
    std::unordered_map<std::string, std::string> heard_;
    /// Task id -> the notice its stream shows last ("reason\ndetail\nuntil"); only tasks
    /// looked at last round. The round's thread alone.
    std::unordered_map<std::string, std::string> shown_;
    std::thread thread_;
};

} // namespace taskstream
