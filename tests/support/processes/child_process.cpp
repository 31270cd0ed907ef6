#include "child_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>

namespace taskstream::testing {

namespace detail {

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

} // namespace detail

using detail::exit_code_of;
using detail::spawn;

ChildProcess::ChildProcess(const std::vector<std::string>& args) {
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
}

ChildProcess::~ChildProcess() {
    if (pid_ > 0) stop(std::chrono::seconds(10));
    if (reader_.joinable()) reader_.join();
}

std::string ChildProcess::log() const {
    std::lock_guard lock(mutex_);
    return log_;
}

bool ChildProcess::wait_for_log(const std::string& text, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return log_grew_.wait_for(lock, timeout, [&] { return log_.find(text) != std::string::npos || exited_; }) &&
           log_.find(text) != std::string::npos;
}

int ChildProcess::reap(std::chrono::milliseconds timeout) {
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

int ChildProcess::stop(std::chrono::milliseconds timeout) {
    if (pid_ <= 0) return status_;
    ::kill(pid_, SIGTERM);
    status_ = reap(timeout);
    return status_;
}

void ChildProcess::signal(int signo) {
    if (pid_ > 0) ::kill(pid_, signo);
}

int ChildProcess::wait_exit(std::chrono::milliseconds timeout) {
    if (pid_ <= 0) return status_;
    status_ = reap(timeout);
    return status_;
}

void ChildProcess::kill9() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    status_ = reap(std::chrono::seconds(10));
}

unsigned short free_loopback_port() {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("socket failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        close(fd);
        throw std::runtime_error("no free port");
    }
    close(fd);
    return ntohs(addr.sin_port);
}

} // namespace taskstream::testing
