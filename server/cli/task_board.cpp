#include "cli/task_board.hpp"

#include "cli/exit_codes.hpp"
#include "core/clock.hpp"

namespace taskstream::cli {

namespace {

void take_state(TaskView& view, const Task& task) {
    view.kind = task.kind;
    view.state = task.state;
    view.attempt = task.attempt;
    view.max_attempts = task.max_attempts;
    view.progress = task.progress;
    view.started_at = task.started_at;
    view.result = task.result;
    view.error = task.error;
}

std::optional<Task> task_of(const nlohmann::json& data) {
    if (!data.is_object() || !data.contains("id") || !data.contains("state")) return std::nullopt;
    try {
        return task_from_json(data);
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

} // namespace

TaskBoard::TaskBoard(std::vector<std::string> ids) : adopt_first_(ids.empty()) {
    for (auto& id : ids) tasks_.push_back(TaskView{.id = std::move(id)});
}

TaskView* TaskBoard::find(const std::string& id) {
    for (auto& t : tasks_)
        if (t.id == id) return &t;
    if (adopt_first_ && tasks_.empty() && !id.empty()) {
        tasks_.push_back(TaskView{.id = id});
        return &tasks_.back();
    }
    return nullptr;
}

bool TaskBoard::newer(const std::string& id) const {
    // Ids are fixed-width digits: longer is later, else the text order is the order.
    if (id.size() != last_id_.size()) return id.size() > last_id_.size();
    return id > last_id_;
}

BoardChange TaskBoard::apply(const SseEvent& event) {
    if (event.type == "shutdown") return {.kind = BoardChange::Kind::shutdown};
    if (!event.id.empty()) {
        if (!newer(event.id)) return {};
        last_id_ = event.id;
    }
    auto data = nlohmann::json::parse(event.data, nullptr, false);
    const bool task_event = event.type == "state" || event.type == "reset" || event.type == "progress" ||
                            event.type == "log" || event.type == "waiting";
    const bool of_a_task = data.is_object() && (data.contains("task_id") || (data.contains("id") && data.contains("state")));
    if (topics_ && !(task_event && of_a_task) && event.type != "reset") {
        if (!until_.empty() && event.type == until_) until_seen_ = true;
        return {.kind = BoardChange::Kind::topic};
    }
    if (event.type == "state" || event.type == "reset") {
        auto task = task_of(data);
        if (!task) {
            // A multiplexed stream's reset carries no task: every task needs its snapshot.
            if (event.type == "reset") return {.kind = BoardChange::Kind::reset};
            return {};
        }
        auto* view = find(task->id);
        if (!view) return {};
        take_state(*view, *task);
        if (task->state == TaskState::superseded && !task->superseded_by.empty()) {
            // Replaced by a newer task with its dedupe key: that one is what is followed now.
            *view = TaskView{.id = task->superseded_by, .kind = task->kind};
            return {.kind = BoardChange::Kind::superseded, .task = view, .message = task->id, .at_ms = task->updated_at};
        }
        return {.kind = event.type == "reset" ? BoardChange::Kind::reset : BoardChange::Kind::state, .task = view,
                .at_ms = task->updated_at};
    }
    if (!data.is_object()) return {};
    auto* view = find(data.value("task_id", ""));
    if (!view) return {};
    std::int64_t at_ms = 0;
    if (auto at = data.find("at"); at != data.end() && at->is_string()) parse_rfc3339(at->get<std::string>(), at_ms);
    if (event.type == "progress") {
        Progress& p = view->progress;
        auto number = [&data](const char* key) { return data.contains(key) && data[key].is_number(); };
        if (number("percent")) p.percent = data["percent"].get<double>();
        if (number("current")) p.current = data["current"].get<std::int64_t>();
        if (number("total")) p.total = data["total"].get<std::int64_t>();
        p.message = data.value("message", "");
        return {.kind = BoardChange::Kind::progress, .task = view, .at_ms = at_ms};
    }
    if (event.type == "log")
        return {.kind = BoardChange::Kind::log, .task = view, .level = data.value("level", "info"),
                .message = data.value("message", ""), .at_ms = at_ms};
    if (event.type == "waiting" && data.value("detail", "") != "") {
        std::string message = data.value("detail", "");
        if (data.value("reason", "") == "rate_limit" && data.contains("until") && data["until"].is_string())
            message += " (next at " + data["until"].get<std::string>() + ")";
        return {.kind = BoardChange::Kind::waiting, .task = view, .message = std::move(message), .at_ms = at_ms};
    }
    return {};
}

void TaskBoard::adopt(const Task& task, bool authoritative) {
    auto* view = find(task.id);
    if (!view) return;
    if (authoritative) return take_state(*view, task);
    // Labels only: the state comes from the stream, whose events follow.
    view->kind = task.kind;
    view->attempt = task.attempt;
    view->max_attempts = task.max_attempts;
    view->started_at = task.started_at;
    view->attempt_floor = task.attempt;
}

bool TaskBoard::all_finished() const {
    if (until_seen_) return true;
    if (tasks_.empty() || topics_) return false;
    for (const auto& t : tasks_)
        if (!t.finished()) return false;
    return true;
}

int TaskBoard::exit_code() const {
    namespace code = taskstream::cli::exit_code;  // this function's name hides the namespace's
    bool cancelled = false, expired = false;
    for (const auto& t : tasks_) {
        if (t.state == TaskState::failed) return code::failed;
        if (t.state == TaskState::cancelled) cancelled = true;
        if (t.state == TaskState::expired) expired = true;
    }
    return cancelled ? code::cancelled : expired ? code::expired : code::succeeded;
}

} // namespace taskstream::cli
