// Engine, its read side: a task, lists and counts, a task's history, and the
// opening and closing of a task's stream. (engine.cpp has the writes and dispatch.)
#include "tasks/engine.hpp"

#include "core/clock.hpp"
#include "model/task_text.hpp"

namespace taskstream {

Outcome<TaskPage> Engine::list(TaskQuery query) {
    if (query.text) return search(std::move(query));
    const std::size_t limit = query.limit;
    query.limit = limit + 1;  // one more tells whether a next page exists
    TaskPage page;
    try {
        page.tasks = store_.list_tasks(query);
    } catch (const StoreError& e) {
        return unavailable_after(e, *log_);
    }
    if (page.tasks.size() > limit) {
        page.tasks.resize(limit);
        page.next_before = page.tasks.back().id;
    }
    return page;
}

Outcome<TaskPage> Engine::search(TaskQuery query) {
    // Walks what the other filters find, in pages, and keeps the rows that mention the text.
    const std::size_t limit = query.limit;
    const std::string text = *query.text;
    query.text.reset();
    query.limit = 200;
    TaskPage page;
    std::size_t read = 0;
    try {
        while (true) {
            auto rows = store_.list_tasks(query);
            if (rows.size() < query.limit) query.before.reset();
            else query.before = rows.back().id;  // before the rows are moved from
            for (auto& row : rows) {
                if (!mentions(row, text)) continue;
                if (page.tasks.size() == limit) {
                    page.next_before = page.tasks.back().id;
                    return page;
                }
                page.tasks.push_back(std::move(row));
            }
            read += rows.size();
            if (!query.before) return page;
            if (read >= kTextSearchRows) {
                page.next_before = query.before;  // the next page reads on from here
                return page;
            }
        }
    } catch (const StoreError& e) {
        return unavailable_after(e, *log_);
    }
}

Outcome<std::vector<StatsSeries>> Engine::stats(const std::optional<std::string>& kind, std::int64_t from,
                                                std::int64_t to, std::int64_t step_ms) {
    journal_.write_stats_now(std::chrono::seconds(2));  // past it: the history as the store has it
    try {
        return stats_series(store_.read_stats(kind, from, to - 1), kind, from, to, step_ms);
    } catch (const StoreError& e) {
        return unavailable_after(e, *log_);
    }
}

Outcome<std::map<std::string, std::size_t>> Engine::count(const TaskQuery& query) {
    std::map<std::string, std::size_t> counts;
    for (auto state : kTaskStates) counts[std::string(to_string(state))] = 0;
    try {
        for (const auto& [state, n] : store_.count_tasks(query)) counts[state] = n;
    } catch (const StoreError& e) {
        return unavailable_after(e, *log_);
    }
    return counts;
}

Outcome<Task> Engine::get(const std::string& id) {
    if (auto active = active_.find(id)) {
        std::lock_guard lock(active->mutex);
        return active->visible;
    }
    try {
        if (auto stored = store_.load_task(id)) return *stored;
        if (store_.is_gone(id)) return make_error(errc::gone, "task '" + id + "' was deleted or is past its retention");
    } catch (const StoreError& e) {
        return unavailable_after(e, *log_);
    }
    return make_error(errc::not_found, "no task with id '" + id + "'");
}

std::vector<std::optional<Waiting>> Engine::waiting(const std::vector<Task>& tasks) {
    const auto now = now_ms();
    // What runs is asked only for tasks that are due (a scheduled one's reason needs none).
    std::vector<std::pair<std::string, std::string>> asked;
    std::vector<std::size_t> asked_for;
    for (std::size_t i = 0; i < tasks.size(); ++i) {
        const Task& t = tasks[i];
        if ((t.state == TaskState::queued || t.state == TaskState::retrying) && t.scheduled_at <= now) {
            asked.emplace_back(t.kind, t.concurrency_key);
            asked_for.push_back(i);
        }
    }
    const auto loads = asked.empty() ? std::vector<QueueLoad>{} : dispatcher_->loads(asked);
    const auto paused_kinds = this->paused_kinds();
    std::vector<std::optional<Waiting>> out(tasks.size());
    std::size_t next = 0;
    for (std::size_t i = 0; i < tasks.size(); ++i) {
        const Task& t = tasks[i];
        WaitingFacts facts{.paused = paused_.load(), .kind_paused = paused_kinds.contains(t.kind), .now_ms = now};
        if (const TaskKind* kind = kinds_.find(t.kind)) {
            facts.kind_limit = kind->max_concurrency;
            facts.key_limit = kind->key_concurrency;
            facts.rate = kind->rate;
            facts.key_rate = kind->key_rate;
        }
        if (next < asked_for.size() && asked_for[next] == i && next < loads.size()) facts.load = loads[next++];
        if (!t.after.empty()) {
            auto before = get(t.after);  // the task it replaced: it waits while that one has not finished
            if (before && !is_terminal(before->state)) facts.behind = t.after;
        }
        out[i] = waiting_reason(t, facts);
    }
    return out;
}

Outcome<TaskHistory> Engine::history(const std::string& id, std::uint64_t after, std::size_t limit) {
    auto task = get(id);
    if (!task) return std::move(task).error();
    try {
        auto events = store_.load_events(task->topic(), after, std::numeric_limits<std::int64_t>::max(),  // the store keeps ids as int64
                                         ReadLimit{.events = limit + 1});
        TaskHistory page{.events = std::move(events)};
        if (page.events.size() > limit) {
            page.events.resize(limit);
            page.more = true;
        }
        return page;
    } catch (const StoreError& e) {
        return unavailable_after(e, *log_);
    }
}

Outcome<StreamStart> Engine::open_stream(const std::string& id, std::optional<std::uint64_t> after,
                                         const std::shared_ptr<Subscriber>& subscriber) {
    // Older than the history kept: `event: reset` with the task as it is now, then live events.
    auto reset = [this, &id](std::uint64_t position) -> Outcome<EventPtr> {
        auto now = get(id);
        if (!now) return std::move(now).error();
        return make_event(position, now->topic(), "reset", to_json(*now).dump(), now_ms(), is_terminal(now->state),
                          now->kind, now->owner);
    };
    const StreamSource source{task_topic(id), nullptr};
    auto opened = streams_.open(source, after.value_or(0), subscriber, reset);  // no id: all of it
    if (!opened) return std::move(opened).error();
    if (opened->reset) return StreamStart{.replay = opened->replay, .replay_may_end = true};  // a terminal reset is the end
    // Read after the attach, the task's state is one whose event is in the replay
    // or on its way live (read before, a terminal event published in between would
    // be in the replay of a stream told it is not the end).
    auto task = get(id);
    if (!task) {
        streams_.close(source, subscriber.get());
        return std::move(task).error();
    }
    // The replay may end at a terminal event if the task is finished now and, when
    // the hub holds its events, their last one at the attach was terminal (a retry
    // shows in the task before its first event is published).
    const bool ended = is_terminal(task->state) && (!opened->topic_known || opened->finished);
    StreamStart start{.replay = opened->replay, .replay_may_end = ended};
    // Finished, and nothing left to send: the client already has the terminal event.
    if (ended && opened->replay->exhausted()) {
        streams_.close(source, subscriber.get());
        start.already_ended = true;
    }
    return start;
}

void Engine::close_stream(const std::string& id, const Subscriber* subscriber) {
    streams_.close(StreamSource{task_topic(id), nullptr}, subscriber);
}

} // namespace taskstream
