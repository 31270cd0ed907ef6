// TaskContext: what a running task sees of the server — its params, and the
// calls through which it reports progress and logs and learns of cancellation.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace taskstream {

/// One progress report. Any field may be left empty; `percent` is 0..100.
struct Progress {
    std::optional<double> percent;
    std::optional<std::int64_t> current;
    std::optional<std::int64_t> total;
    std::string message;
};

enum class LogLevel { debug, info, warning, error };

/// Handed to a task's handler for the duration of one attempt.
/// Thread-safety: every member may be called from any thread; a handler usually
/// calls them from the worker thread it runs on. Progress and log calls never
/// block on network clients: the server buffers and group-commits them.
class TaskContext {
public:
    virtual ~TaskContext() = default;

    /// The task's validated params, with schema defaults filled in.
    virtual const nlohmann::json& params() const = 0;
    /// The task's id (opaque, URL-safe).
    virtual const std::string& task_id() const = 0;
    /// 1 for the first attempt, 2 for the first retry, ...
    virtual int attempt() const = 0;

    virtual void progress(const Progress& p) = 0;
    void progress(double percent, std::string message = {}) {
        progress(Progress{percent, std::nullopt, std::nullopt, std::move(message)});
    }
    void progress(std::int64_t current, std::int64_t total, std::string message = {}) {
        double pct = total > 0 ? 100.0 * static_cast<double>(current) / static_cast<double>(total) : 0.0;
        progress(Progress{pct, current, total, std::move(message)});
    }

    virtual void log(std::string_view line, LogLevel level = LogLevel::info) = 0;

    /// True once the task was cancelled or timed out; the handler should return soon.
    virtual bool cancelled() const = 0;
    /// Throws taskstream::cancelled_error when cancelled() is true.
    void check_cancelled() const;

    /// Sleeps up to `d`, waking early on cancellation. Returns false if cancelled.
    virtual bool sleep_for(std::chrono::milliseconds d) = 0;
};

} // namespace taskstream
