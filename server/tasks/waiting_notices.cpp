#include "tasks/waiting_notices.hpp"

#include <unordered_set>

#include "core/clock.hpp"
#include "core/metrics.hpp"
#include "core/thread_name.hpp"
#include "model/task_topic.hpp"

namespace taskstream {

namespace {

// Registered at start, so that it shows before the first notice.
auto& notices_recorded = metrics::Registry::global().counter_family(
    "taskstream_waiting_notices_total",
    "waiting events recorded (why a watched waiting task waits changed), by the reason it waits now.", {"reason"});

std::string notice_text(const Waiting& w) {
    return w.reason + "\n" + w.detail + "\n" + std::to_string(w.until);
}

/// The same from a `waiting` event's data; empty when it is not one.
std::string notice_text(const std::string& data) {
    auto j = nlohmann::json::parse(data, nullptr, false);
    if (!j.is_object() || !j.contains("reason")) return {};
    std::int64_t until = 0;
    if (j.contains("until") && j["until"].is_string()) parse_rfc3339(j["until"].get<std::string>(), until);
    return j.value("reason", "") + "\n" + j.value("detail", "") + "\n" + std::to_string(until);
}

bool waits(const Task& t) { return t.state == TaskState::queued || t.state == TaskState::retrying; }

} // namespace

WaitingNotices::WaitingNotices(Engine& engine, Hub& hub, OnceClaims* claims, Options options,
                               std::shared_ptr<spdlog::logger> log)
    : engine_(engine), hub_(hub), claims_(claims), options_(options), log_(std::move(log)) {}

WaitingNotices::~WaitingNotices() { stop(); }

void WaitingNotices::start() {
    thread_ = std::thread([this] {
        name_this_thread("ts-waiting");
        std::unique_lock lock(mutex_);
        while (!wake_.wait_for(lock, options_.period, [this] { return stopping_; })) {
            lock.unlock();
            try {
                look();
            } catch (const std::exception& e) {  // the store away: the next round tries again
                log_->debug("waiting notices: {}", e.what());
            }
            lock.lock();
        }
    });
}

void WaitingNotices::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

std::vector<Task> WaitingNotices::watched_waiting_tasks() {
    std::vector<Task> out;
    std::unordered_set<std::string> ids;
    for (const auto& topic : hub_.read_topics(kTaskTopicPrefix, options_.max_tasks)) {
        auto task = engine_.get(std::string(topic.substr(kTaskTopicPrefix.size())));
        if (task && waits(*task) && ids.insert(task->id).second) out.push_back(std::move(*task));
    }
    if (hub_.filtered_readers() == 0) return out;
    // A multiplexed stream may show any task: the newest waiting ones, as a list shows them.
    for (const char* state : {"queued", "retrying"}) {
        if (out.size() >= options_.max_tasks) break;
        auto page = engine_.list(TaskQuery{.state = state, .limit = (options_.max_tasks - out.size() + 1) / 2});
        if (!page) continue;
        for (auto& task : page->tasks)
            if (ids.insert(task.id).second) out.push_back(std::move(task));
    }
    return out;
}

void WaitingNotices::look() {
    const auto tasks = watched_waiting_tasks();
    const auto reasons = tasks.empty() ? std::vector<std::optional<Waiting>>{} : engine_.waiting(tasks);
    const auto second = now_ms() / 1000;
    {
        // What other servers noted meanwhile; the rest of the round holds no lock (it calls the store).
        std::lock_guard lock(mutex_);
        for (auto& [id, text] : heard_) shown_[id] = std::move(text);
        heard_.clear();
    }
    std::unordered_map<std::string, std::string> shown;
    for (std::size_t i = 0; i < tasks.size() && i < reasons.size(); ++i) {
        const Task& task = tasks[i];
        // A task that entered its state less than a round ago is left alone: a queue that
        // keeps moving gets no notices, only a wait someone would notice does.
        if (!reasons[i] || now_ms() - task.updated_at < options_.period.count()) continue;
        auto& text = shown[task.id];
        if (auto was = shown_.find(task.id); was != shown_.end()) text = was->second;
        const std::string now = notice_text(*reasons[i]);
        if (text == now) continue;
        // One server records a task's notice in a given second; the others hear it (seen()).
        if (claims_ && !claims_->claim_once("waiting:" + task.id + ":" + std::to_string(second), std::chrono::seconds(5)))
            continue;
        if (!engine_.note_waiting(task, *reasons[i])) continue;
        text = now;
        notices_recorded.with({reasons[i]->reason}).inc();
    }
    shown_ = std::move(shown);  // memory follows what is watched
}

void WaitingNotices::seen(const std::vector<EventPtr>& events) {
    for (const auto& e : events) {
        if (e->type != "waiting" || !e->topic.starts_with(kTaskTopicPrefix)) continue;
        if (auto text = notice_text(e->data); !text.empty()) {
            std::lock_guard lock(mutex_);
            heard_[e->topic.substr(kTaskTopicPrefix.size())] = std::move(text);
        }
    }
}

} // namespace taskstream
