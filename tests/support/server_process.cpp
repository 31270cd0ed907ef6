#include "server_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <random>
#include <regex>
#include <stdexcept>

namespace taskstream::testing {

namespace {

struct Child {
    pid_t pid;
    int out_fd;
};

/// fork + exec with stdout and stderr into one pipe.
Child spawn(const std::vector<std::string>& args) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        std::vector<char*> argv;
        for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        execv(argv[0], argv.data());
        _exit(127);
    }
    close(fds[1]);
    return {pid, fds[0]};
}

int exit_code_of(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

} // namespace

std::string binary_path() {
    const char* p = std::getenv("TASKSTREAM_BINARY");
    if (!p) throw std::runtime_error("TASKSTREAM_BINARY is not set (run through ctest)");
    return p;
}

TempDir::TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() / ("taskstream-test-" + std::to_string(getpid()) + "-" +
                                                      std::to_string(rd()));
    std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

ServerProcess::ServerProcess(const std::filesystem::path& data_dir, std::vector<std::string> extra,
                             unsigned short port) {
    std::vector<std::string> args{binary_path(), "serve", "--listen", "127.0.0.1:" + std::to_string(port),
                                  "--data-dir", data_dir.string(), "--demo"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto child = spawn(args);
    pid_ = child.pid;
    reader_ = std::thread([this, fd = child.out_fd] {
        char buf[4096];
        for (;;) {
            ssize_t n = read(fd, buf, sizeof buf);
            if (n <= 0) break;
            std::lock_guard lock(mutex_);
            log_.append(buf, static_cast<std::size_t>(n));
            log_grew_.notify_all();
        }
        close(fd);
        std::lock_guard lock(mutex_);
        exited_ = true;
        log_grew_.notify_all();
    });
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

ServerProcess::~ServerProcess() {
    if (pid_ > 0) stop(std::chrono::seconds(10));
    if (reader_.joinable()) reader_.join();
}

std::string ServerProcess::log() const {
    std::lock_guard lock(mutex_);
    return log_;
}

bool ServerProcess::wait_for_log(const std::string& text, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return log_grew_.wait_for(lock, timeout, [&] { return log_.find(text) != std::string::npos || exited_; }) &&
           log_.find(text) != std::string::npos;
}

int ServerProcess::reap(std::chrono::milliseconds timeout) {
    // waitpid has no timeout: wait for the output pipe to close (the process is
    // gone then), bounded, and SIGKILL if it is still there.
    bool closed;
    {
        std::unique_lock lock(mutex_);
        closed = log_grew_.wait_for(lock, timeout, [&] { return exited_; });
    }
    if (!closed) ::kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    if (reader_.joinable()) reader_.join();
    return exit_code_of(status);
}

int ServerProcess::stop(std::chrono::milliseconds timeout) {
    if (pid_ <= 0) return status_;
    ::kill(pid_, SIGTERM);
    status_ = reap(timeout);
    return status_;
}

void ServerProcess::signal(int signo) {
    if (pid_ > 0) ::kill(pid_, signo);
}

int ServerProcess::wait_exit(std::chrono::milliseconds timeout) {
    if (pid_ <= 0) return status_;
    status_ = reap(timeout);
    return status_;
}

void ServerProcess::kill9() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    status_ = reap(std::chrono::seconds(10));
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
