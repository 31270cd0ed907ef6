// ChildProcess: a program the tests start (fork + exec), its stdout and stderr
// collected, and ended by its pid — never by name.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace taskstream::testing {

class ChildProcess {
public:
    /// Starts `args[0]` (a path) with the rest as arguments.
    explicit ChildProcess(const std::vector<std::string>& args);
    /// SIGTERM, then SIGKILL if it has not exited in 10 s.
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    pid_t pid() const { return pid_; }
    /// SIGTERM, then waits for the exit (at most `timeout`; SIGKILL after). Returns the exit status.
    int stop(std::chrono::milliseconds timeout = std::chrono::seconds(20));
    /// Sends `signo` and returns at once.
    void signal(int signo);
    /// Waits for the process to exit by itself (SIGKILL after `timeout`). Returns the exit status.
    int wait_exit(std::chrono::milliseconds timeout);
    /// SIGKILL at once (a crash), and reaps the process.
    void kill9();
    /// Everything it printed so far.
    std::string log() const;
    /// Waits until the output contains `text`; false after `timeout` or when the process ended without it.
    bool wait_for_log(const std::string& text, std::chrono::milliseconds timeout) const;

private:
    int reap(std::chrono::milliseconds timeout);

    pid_t pid_ = -1;
    std::thread reader_;
    mutable std::mutex mutex_;
    mutable std::condition_variable log_grew_;
    std::string log_;
    bool exited_ = false;
    int status_ = 0;
};

namespace detail {
/// fork + exec with stdout and stderr into one pipe.
struct Child {
    pid_t pid;
    int out_fd;
};
Child spawn(const std::vector<std::string>& args);
/// A wait status as a shell reports it: the exit code, or 128 + the signal.
int exit_code_of(int status);
} // namespace detail

/// A TCP port on 127.0.0.1 that was free a moment ago (for programs that cannot pick their own).
unsigned short free_loopback_port();

} // namespace taskstream::testing
