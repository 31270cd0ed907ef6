#include "redis_process.hpp"

#include <signal.h>

#include <stdexcept>

namespace taskstream::testing {

RedisProcess::RedisProcess(const std::filesystem::path& dir, std::vector<std::string> extra)
    : dir_(dir), extra_(std::move(extra)) {
    std::filesystem::create_directories(dir_);
    // The port is chosen before redis-server binds it; another process taking it in
    // between makes the start fail, and a second port is tried.
    for (int attempt = 0; attempt < 3 && !process_; ++attempt) {
        port_ = free_loopback_port();
        try {
            start();
        } catch (const std::exception&) {
            if (attempt == 2) throw;
        }
    }
}

std::string RedisProcess::url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }

void RedisProcess::start() {
    process_.reset();
    std::vector<std::string> args{"/usr/bin/redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1",
                                  "--dir", dir_.string(), "--appendonly", "yes", "--appendfsync", "always",
                                  "--save", "", "--daemonize", "no", "--logfile", "", "--protected-mode", "yes"};
    args.insert(args.end(), extra_.begin(), extra_.end());
    auto p = std::make_unique<ChildProcess>(args);
    if (!p->wait_for_log("Ready to accept connections", std::chrono::seconds(10))) {
        std::string log = p->log();
        p->kill9();
        throw std::runtime_error("redis-server did not start:\n" + log);
    }
    process_ = std::move(p);
}

void RedisProcess::stop() {
    if (process_) process_->stop(std::chrono::seconds(10));
    process_.reset();
}

void RedisProcess::restart() {
    stop();
    start();
}

void RedisProcess::freeze() { process_->signal(SIGSTOP); }
void RedisProcess::thaw() { process_->signal(SIGCONT); }

} // namespace taskstream::testing
