// ServerProcess: the real taskstream binary, started on a free loopback port
// with its own data dir, and ended by pid. (TempDir: fakes/temp_dir.hpp.)
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "temp_dir.hpp"

namespace taskstream::testing {

class ServerProcess : public ChildProcess {
public:
    /// Starts `taskstream serve --listen 127.0.0.1:PORT --data-dir DIR --demo` (with
    /// `--store redis://…` under test_store() redis) plus `extra` flags, and waits (at most 20 s) for its "listening on" line.
    /// Port 0 picks a free one (a restart passes the port it had). Throws if the
    /// server exits or does not listen in time.
    ServerProcess(const std::filesystem::path& data_dir, std::vector<std::string> extra = {}, unsigned short port = 0);

    unsigned short port() const { return port_; }

private:
    unsigned short port_ = 0;
};

/// Runs the binary to completion with `args` (no server): exit code and output.
struct CommandResult {
    int exit_code;
    std::string output;
};
CommandResult run_binary(const std::vector<std::string>& args, std::chrono::milliseconds timeout);

/// The store the servers of this run use: "sqlite", or "redis" (TASKSTREAM_TEST_STORE),
/// where each data dir stands for a real redis-server of its own.
std::string test_store();

/// Path of the taskstream binary under test (TASKSTREAM_BINARY, set by ctest).
std::string binary_path();

} // namespace taskstream::testing
