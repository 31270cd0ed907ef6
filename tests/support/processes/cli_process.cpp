#include "cli_process.hpp"

#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <regex>
#include <stdexcept>

#include "server_process.hpp"

namespace taskstream::testing {

CliProcess::CliProcess(std::vector<std::string> args, Output output, unsigned short port) : mode_(output) {
    args.insert(args.begin(), binary_path());
    const std::string server = "http://127.0.0.1:" + std::to_string(port);
    auto exec = [&] {
        if (port) setenv("TASKSTREAM_SERVER", server.c_str(), 1);
        else unsetenv("TASKSTREAM_SERVER");
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        execv(argv[0], argv.data());
        _exit(127);
    };
    if (output == Output::terminal) {
        winsize size{};
        size.ws_col = 100;
        size.ws_row = 30;
        pid_ = forkpty(&fd_, nullptr, nullptr, &size);
        if (pid_ < 0) throw std::runtime_error("forkpty failed");
        if (pid_ == 0) exec();
    } else {
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
        pid_ = fork();
        if (pid_ < 0) throw std::runtime_error("fork failed");
        if (pid_ == 0) {
            dup2(fds[1], 1);
            dup2(fds[1], 2);
            exec();
        }
        close(fds[1]);
        fd_ = fds[0];
    }
    reader_ = std::thread([this] {
        char buf[4096];
        for (;;) {
            ssize_t n = read(fd_, buf, sizeof buf);
            std::lock_guard lock(mutex_);
            if (n <= 0) {  // EOF, or EIO once the terminal's last writer is gone
                ended_ = true;
                grew_.notify_all();
                break;
            }
            output_.append(buf, static_cast<std::size_t>(n));
            grew_.notify_all();
        }
    });
}

CliProcess::~CliProcess() {
    wait_exit(std::chrono::seconds(1));
    if (reader_.joinable()) reader_.join();
    if (fd_ >= 0) close(fd_);
}

std::string CliProcess::output() const {
    std::lock_guard lock(mutex_);
    return output_;
}

bool CliProcess::wait_for_output(const std::string& text, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return grew_.wait_for(lock, timeout, [&] { return output_.find(text) != std::string::npos; });
}

void CliProcess::interrupt() {
    if (mode_ == Output::terminal) {
        const char ctrl_c = '\x03';
        if (write(fd_, &ctrl_c, 1) != 1) throw std::runtime_error("could not type ^C");
    } else {
        ::kill(pid_, SIGINT);
    }
}

int CliProcess::wait_exit(std::chrono::milliseconds timeout) {
    if (reaped_) return status_;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() >= deadline) {
            ::kill(pid_, SIGKILL);
            waitpid(pid_, &status, 0);
            break;
        }
        // Polling a child's exit: waitpid has no timeout of its own.
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    reaped_ = true;
    status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    // What it wrote last may still be in the pipe or terminal: output() holds all of it once read to the end.
    std::unique_lock lock(mutex_);
    grew_.wait_for(lock, std::chrono::seconds(5), [&] { return ended_; });
    return status_;
}

std::pair<int, std::string> run_cli(std::vector<std::string> args, unsigned short port) {
    CliProcess p(std::move(args), CliProcess::Output::pipe, port);
    const int status = p.wait_exit(std::chrono::seconds(20));
    return {status, p.output()};
}

std::string task_id_in(const std::string& text) {
    std::smatch m;
    if (!std::regex_search(text, m, std::regex("[0-9A-HJKMNP-TV-Z]{26}"))) throw std::runtime_error("no task id in: " + text);
    return m.str();
}

} // namespace taskstream::testing
