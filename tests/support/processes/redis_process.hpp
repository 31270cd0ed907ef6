// RedisProcess: a real redis-server for one test, on a free loopback port, with
// its data (append-only file, fsync on every write) in a directory of the test's.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "child_process.hpp"

namespace taskstream::testing {

class RedisProcess {
public:
    /// Starts redis-server and waits (at most 10 s) until it accepts connections.
    /// `extra`: more redis-server options (e.g. {"--requirepass", "secret"}).
    explicit RedisProcess(const std::filesystem::path& dir, std::vector<std::string> extra = {});

    unsigned short port() const { return port_; }
    /// `redis://127.0.0.1:PORT/0`
    std::string url() const;
    ChildProcess& process() { return *process_; }

    /// SIGSTOP / SIGCONT: a Redis that hangs (its socket stays open, nothing answers).
    void freeze();
    void thaw();
    /// Stops it (SIGTERM: it writes what it has) and starts it again on the same port and files.
    void restart();
    void stop();
    void start();

private:
    std::filesystem::path dir_;
    std::vector<std::string> extra_;
    unsigned short port_ = 0;
    std::unique_ptr<ChildProcess> process_;
};

} // namespace taskstream::testing
