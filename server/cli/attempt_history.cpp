#include "cli/attempt_history.hpp"

namespace taskstream::cli {

std::vector<AttemptRecord> attempt_history(const nlohmann::json& events) {
    std::vector<AttemptRecord> attempts;
    auto current = [&attempts](int number) -> AttemptRecord& {
        if (attempts.empty() || attempts.back().number != number) attempts.push_back({.number = number});
        return attempts.back();
    };
    for (const auto& e : events) {
        if (e.value("type", "") != "state" || !e.contains("data") || !e["data"].is_object()) continue;
        Task t;
        try {
            t = task_from_json(e["data"]);
        } catch (const std::exception&) {
            continue;
        }
        switch (t.state) {
        case TaskState::queued: break;  // waits for its attempt; a redelivery starts the same one again
        case TaskState::running: {
            auto& a = current(t.attempt);
            a.outcome = "running";
            a.started_at = t.started_at;
            a.error.reset();
            break;
        }
        case TaskState::retrying: {
            // The retry is counted at once: the attempt that failed is the one before.
            auto& a = current(t.attempt - 1);
            a.outcome = "retrying";
            a.error = t.error;
            a.ended_at = t.updated_at;
            break;
        }
        default: {
            auto& a = current(t.attempt);
            a.outcome = std::string(to_string(t.state));
            a.error = t.error;
            a.ended_at = t.finished_at ? t.finished_at : t.updated_at;
            break;
        }
        }
    }
    return attempts;
}

} // namespace taskstream::cli
