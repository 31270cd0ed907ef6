#include "server_process.hpp"
#include "redis_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <regex>
#include <stdexcept>

namespace taskstream::testing {

using detail::exit_code_of;
using detail::spawn;

std::string test_store() {
    const char* s = std::getenv("TASKSTREAM_TEST_STORE");
    return s && *s ? s : "sqlite";
}

std::string binary_path() {
    const char* p = std::getenv("TASKSTREAM_BINARY");
    if (!p) throw std::runtime_error("TASKSTREAM_BINARY is not set (run through ctest)");
    return p;
}

namespace {

/// Under TASKSTREAM_TEST_STORE=redis, the Redis that stands for a data dir: started
/// with the first server on that dir and kept (a restart of the server finds its
/// data in it) until the test program ends.
std::string redis_store_for(const std::filesystem::path& data_dir) {
    static std::mutex mutex;
    static std::map<std::filesystem::path, std::unique_ptr<RedisProcess>> redises;
    std::lock_guard lock(mutex);
    auto& redis = redises[data_dir];
    if (!redis) redis = std::make_unique<RedisProcess>(data_dir / "redis");
    return redis->url();
}

std::vector<std::string> serve_args(const std::filesystem::path& data_dir, const std::vector<std::string>& extra,
                                    unsigned short port) {
    std::vector<std::string> args{binary_path(), "serve", "--listen", "127.0.0.1:" + std::to_string(port),
                                  "--data-dir", data_dir.string(), "--demo"};
    if (test_store() == "redis") {
        args.push_back("--store");
        args.push_back(redis_store_for(data_dir));
    }
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

} // namespace

ServerProcess::ServerProcess(const std::filesystem::path& data_dir, std::vector<std::string> extra,
                             unsigned short port)
    : ChildProcess(serve_args(data_dir, extra, port)) {
    if (!wait_for_log("listening on http://", std::chrono::seconds(20))) {
        kill9();
        throw std::runtime_error("server did not start; its log:\n" + log());
    }
    std::smatch m;
    std::string text = log();
    if (!std::regex_search(text, m, std::regex(R"(listening on http://127\.0\.0\.1:(\d+))")))
        throw std::runtime_error("no port in the log:\n" + text);
    port_ = static_cast<unsigned short>(std::stoi(m[1]));
}

CommandResult run_binary(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
    std::vector<std::string> full{binary_path()};
    full.insert(full.end(), args.begin(), args.end());
    auto child = spawn(full);
    std::string out;
    bool eof = false;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        pollfd p{child.out_fd, POLLIN, 0};
        if (poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
        char buf[4096];
        ssize_t n = read(child.out_fd, buf, sizeof buf);
        if (n <= 0) {
            eof = true;
            break;
        }
        out.append(buf, static_cast<std::size_t>(n));
    }
    close(child.out_fd);
    if (!eof) ::kill(child.pid, SIGKILL);
    int status = 0;
    waitpid(child.pid, &status, 0);
    return {exit_code_of(status), out};
}

} // namespace taskstream::testing
