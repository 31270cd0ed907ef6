// CliProcess: the taskstream binary run as a client command, its output read as
// it comes — through a pipe, or on a pseudo-terminal as a user's shell runs it.
// Ended by pid (SIGKILL after its timeout); every wait has a timeout.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace taskstream::testing {

class CliProcess {
public:
    enum class Output { pipe, terminal };

    /// Starts `taskstream args…` with TASKSTREAM_SERVER=http://127.0.0.1:PORT (port 0: not set).
    CliProcess(std::vector<std::string> args, Output output, unsigned short port);
    ~CliProcess();

    /// Everything printed so far (stdout and stderr together).
    std::string output() const;
    /// Waits until the output contains `text`; false after `timeout`.
    bool wait_for_output(const std::string& text, std::chrono::milliseconds timeout) const;
    /// Ctrl-C: on a terminal the ^C key (the line discipline sends SIGINT), else SIGINT by pid.
    void interrupt();
    /// Waits for the exit (SIGKILL after `timeout`, which gives 137). Returns the exit status.
    int wait_exit(std::chrono::milliseconds timeout);

private:
    pid_t pid_ = -1;
    int fd_ = -1;
    Output mode_;
    std::thread reader_;
    mutable std::mutex mutex_;
    mutable std::condition_variable grew_;
    std::string output_;
    bool ended_ = false;  // the reader saw the end of the output
    bool reaped_ = false;
    int status_ = 0;
};

/// Runs `taskstream args…` through a pipe to its end (20 s at most): its exit status and output.
std::pair<int, std::string> run_cli(std::vector<std::string> args, unsigned short port);

/// The first task id (26 characters of ULID) in a command's output; throws when there is none.
std::string task_id_in(const std::string& text);

} // namespace taskstream::testing
