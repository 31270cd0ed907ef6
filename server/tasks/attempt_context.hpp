// AttemptContext: the TaskContext of one attempt — hands progress and logs
// to the recorder, and answers cancelled() for cancellation and timeout.
#pragma once

#include <chrono>
#include <memory>

#include "taskstream/task_context.hpp"
#include "tasks/active_task.hpp"
#include "tasks/task_recorder.hpp"

namespace taskstream {

class AttemptContext final : public TaskContext {
public:
    AttemptContext(TaskRecorder& recorder, std::shared_ptr<ActiveTask> active, std::chrono::steady_clock::time_point deadline);

    const nlohmann::json& params() const override { return params_; }
    const std::string& task_id() const override { return id_; }
    int attempt() const override { return attempt_; }
    void progress(const Progress& p) override;
    void log(std::string_view line, LogLevel level) override;
    bool cancelled() const override;
    bool sleep_for(std::chrono::milliseconds d) override;

    /// True when the attempt ran past its deadline (it then reads as cancelled).
    bool timed_out() const { return std::chrono::steady_clock::now() >= deadline_; }

private:
    TaskRecorder& recorder_;
    std::shared_ptr<ActiveTask> active_;
    std::chrono::steady_clock::time_point deadline_;
    nlohmann::json params_;
    std::string id_;
    std::string kind_;
    std::string owner_;
    int attempt_;
};

} // namespace taskstream
