// What a command kind's program says: its output split into lines, progress
// lines, its own word on how it failed, and each line made safe for a log event.
#pragma once

#include <optional>
#include <string>

#include "taskstream/task_context.hpp"

namespace taskstream {

/// Longest line kept from a program's output; the rest is cut and marked.
constexpr std::size_t kMaxLogLine = 4096;

/// Splits a stream of bytes into lines (LF or CRLF); the last partial line waits.
class LineSplitter {
public:
    template <typename F>
    void feed(const char* data, std::size_t n, F&& on_line) {
        buffer_.append(data, n);
        std::size_t start = 0;
        for (std::size_t nl; (nl = buffer_.find('\n', start)) != std::string::npos; start = nl + 1) {
            std::size_t end = nl > start && buffer_[nl - 1] == '\r' ? nl - 1 : nl;
            on_line(buffer_.substr(start, end - start));
        }
        buffer_.erase(0, start);
        if (buffer_.size() > 4 * kMaxLogLine) {  // an endless line: emit what we have
            on_line(buffer_);
            buffer_.clear();
        }
    }
    template <typename F>
    void finish(F&& on_line) {
        if (!buffer_.empty()) on_line(buffer_);
        buffer_.clear();
    }

private:
    std::string buffer_;
};

/// A progress report parsed from an output line, if the line is one.
std::optional<Progress> parse_progress_line(const std::string& line);

/// The line made safe for a log event: cut at kMaxLogLine, control and
/// non-UTF-8 bytes escaped as \xNN.
std::string sanitize_output_line(const std::string& line);

/// How a program says it failed: the task's error {type, message}.
struct ReportedError {
    std::string type;
    std::string message;
};

/// "error <type> <message>": the program's own word on its failure (type: 1 to 64
/// of [A-Za-z0-9_.:-]).
std::optional<ReportedError> parse_error_line(const std::string& line);

/// The last line of a Python traceback, "ValueError: bad input" or "KeyboardInterrupt":
/// the exception's class is the type.
std::optional<ReportedError> parse_exception_line(const std::string& line);

} // namespace taskstream
