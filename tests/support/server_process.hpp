// ServerProcess: the real taskstream binary, started on a free loopback port
// with its own data dir, and ended by pid. TempDir: a directory removed at exit.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace taskstream::testing {

class TempDir {
public:
    TempDir();
    ~TempDir();
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

class ServerProcess {
public:
    /// Starts `taskstream serve --listen 127.0.0.1:PORT --data-dir DIR --demo` plus
    /// `extra` flags, and waits (at most 20 s) for its "listening on" line.
    /// Port 0 picks a free one (a restart passes the port it had). Throws if the
    /// server exits or does not listen in time.
    ServerProcess(const std::filesystem::path& data_dir, std::vector<std::string> extra = {}, unsigned short port = 0);
    ~ServerProcess();

    unsigned short port() const { return port_; }
    pid_t pid() const { return pid_; }
    /// SIGTERM, then waits for the exit (at most `timeout`; SIGKILL after). Returns the exit status.
    int stop(std::chrono::milliseconds timeout = std::chrono::seconds(20));
    /// Sends `signo` and returns at once.
    void signal(int signo);
    /// Waits for the process to exit by itself (SIGKILL after `timeout`). Returns the exit status.
    int wait_exit(std::chrono::milliseconds timeout);
    /// SIGKILL at once (a crash), and reaps the process.
    void kill9();
    /// Everything the server logged so far.
    std::string log() const;
    /// Waits until the log contains `text`; false after `timeout`.
    bool wait_for_log(const std::string& text, std::chrono::milliseconds timeout) const;

private:
    int reap(std::chrono::milliseconds timeout);

    pid_t pid_ = -1;
    unsigned short port_ = 0;
    std::thread reader_;
    mutable std::mutex mutex_;
    mutable std::condition_variable log_grew_;
    std::string log_;
    bool exited_ = false;
    int status_ = 0;
};

/// Runs the binary to completion with `args` (no server): exit code and output.
struct CommandResult {
    int exit_code;
    std::string output;
};
CommandResult run_binary(const std::vector<std::string>& args, std::chrono::milliseconds timeout);

/// Path of the taskstream binary under test (TASKSTREAM_BINARY, set by ctest).
std::string binary_path();

} // namespace taskstream::testing
