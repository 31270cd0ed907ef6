#include "kinds/command_kind.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <deque>
#include <thread>

extern char** environ;

namespace taskstream {

namespace {

using json = nlohmann::json;

/// Linux refuses an environment string past 128 KiB (MAX_ARG_STRLEN).
constexpr std::size_t kMaxEnvironmentValue = 128 * 1024 - 64;

/// The running program: its process group, pipes, and what it said.
class CommandRun {
public:
    CommandRun(const CommandSpec& spec, TaskContext& ctx) : spec_(spec), ctx_(ctx) {}

    json run() {
        auto argv = expand_argv(spec_.argv, ctx_.params());
        if (argv.empty()) throw task_error("the command has an empty argv", "bad_command");
        start(argv);
        pump();
        if (killing_) throw cancelled_error();  // the engine tells cancel, timeout and shutdown apart
        return outcome();
    }

private:
    void start(const std::vector<std::string>& argv) {
        int out[2], err[2];
        if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0)
            throw task_error(std::string("cannot create pipes: ") + std::strerror(errno), "spawn_failed");
        // Everything the child needs is built before fork: it only calls async-signal-safe functions.
        std::vector<std::string> env_strings;
        for (char** e = environ; *e; ++e) {
            std::string entry(*e);
            if (!task_environment().count(entry.substr(0, entry.find('=')))) env_strings.push_back(std::move(entry));
        }
        for (const auto& [k, v] : task_environment()) env_strings.push_back(k + "=" + v);
        std::vector<char*> envp, argvp;
        for (auto& e : env_strings) envp.push_back(e.data());
        envp.push_back(nullptr);
        std::vector<std::string> args = argv;
        for (auto& a : args) argvp.push_back(a.data());
        argvp.push_back(nullptr);
        const char* cwd = spec_.cwd.empty() ? nullptr : spec_.cwd.c_str();

        pid_ = fork();
        if (pid_ < 0) throw task_error(std::string("fork failed: ") + std::strerror(errno), "spawn_failed");
        if (pid_ == 0) {
            setpgid(0, 0);
            int devnull = open("/dev/null", O_RDONLY);
            dup2(devnull, 0);
            dup2(out[1], 1);
            dup2(err[1], 2);
            if (cwd && chdir(cwd) != 0) {
                const char msg[] = "taskstream: cannot enter the working directory\n";
                (void)!write(2, msg, sizeof msg - 1);
                _exit(126);
            }
            execvpe(argvp[0], argvp.data(), envp.data());
            const char msg[] = "taskstream: cannot execute the program\n";
            (void)!write(2, msg, sizeof msg - 1);
            _exit(127);
        }
        setpgid(pid_, pid_);  // also here: whichever of the two runs first
        close(out[1]);
        close(err[1]);
        fds_[0] = out[0];
        fds_[1] = err[0];
        ctx_.log("started " + argv[0] + " (pid " + std::to_string(pid_) + ")", LogLevel::debug);
    }

    /// What the program finds in its environment besides the server's: the task, and
    /// unbuffered Python (else its progress lines all arrive at its end), then the kind's own.
    const std::map<std::string, std::string>& task_environment() {
        if (!environment_.empty()) return environment_;
        environment_ = {{"PYTHONUNBUFFERED", "1"}, {"TASKSTREAM_TASK_ID", ctx_.task_id()}};
        auto params = ctx_.params().dump();
        if (params.size() < kMaxEnvironmentValue) environment_["TASKSTREAM_PARAMS"] = std::move(params);
        else ctx_.log("params too large for TASKSTREAM_PARAMS: not set", LogLevel::warning);
        for (const auto& [k, v] : spec_.env) environment_[k] = v;
        return environment_;
    }

    /// Reads both pipes until the program is gone, watching for cancellation.
    void pump() {
        using clock = std::chrono::steady_clock;
        clock::time_point kill_at{}, exited_at{};
        bool exited = false;
        while (fds_[0] >= 0 || fds_[1] >= 0) {
            if (ctx_.cancelled() && !killing_) {
                killing_ = true;
                ::killpg(pid_, SIGTERM);
                kill_at = clock::now() + spec_.kill_grace;
            }
            if (killing_ && !killed_ && clock::now() >= kill_at) {
                killed_ = true;
                ::killpg(pid_, SIGKILL);
            }
            if (!exited && reap(WNOHANG)) {
                exited = true;
                exited_at = clock::now();
            }
            // A descendant may hold the pipes open after the program ended: read a last second, then stop.
            if (exited && clock::now() - exited_at > std::chrono::seconds(1)) break;
            pollfd p[2] = {{fds_[0], POLLIN, 0}, {fds_[1], POLLIN, 0}};
            if (::poll(p, 2, 100) < 0 && errno != EINTR) break;
            for (int i = 0; i < 2; ++i)
                if (fds_[i] >= 0 && (p[i].revents & (POLLIN | POLLHUP | POLLERR))) read_from(i);
        }
        for (int i = 0; i < 2; ++i) close_fd(i);
        while (!exited && !reap(WNOHANG)) {
            if (ctx_.cancelled() && !killing_) {
                killing_ = true;
                ::killpg(pid_, SIGTERM);
                kill_at = clock::now() + spec_.kill_grace;
            }
            if (killing_ && clock::now() >= kill_at) ::killpg(pid_, SIGKILL);
            // Polled: waitpid has no timeout. Once cancelled, ctx.sleep_for returns at
            // once, so wait plainly while the signals take effect.
            if (killing_) std::this_thread::sleep_for(std::chrono::milliseconds(20));
            else ctx_.sleep_for(std::chrono::milliseconds(20));
        }
        if (killing_) ::killpg(pid_, SIGKILL);  // leave no descendant behind
    }

    bool reap(int flags) {
        int status = 0;
        pid_t r = ::waitpid(pid_, &status, flags);
        if (r != pid_) return false;
        status_ = status;
        return true;
    }

    void read_from(int i) {
        char buf[8192];
        ssize_t n = ::read(fds_[i], buf, sizeof buf);
        if (n <= 0) {
            if (n < 0 && errno == EINTR) return;
            splitters_[i].finish([&](const std::string& l) { on_line(i, l); });
            close_fd(i);
            return;
        }
        splitters_[i].feed(buf, static_cast<std::size_t>(n), [&](const std::string& l) { on_line(i, l); });
    }

    void on_line(int stream, const std::string& raw) {
        const std::string line = sanitize_output_line(raw);
        if (auto reported = parse_error_line(raw)) reported_ = std::move(reported);
        if (stream == 0) {
            if (auto p = parse_progress_line(raw)) return ctx_.progress(*p);
            auto first = raw.find_first_not_of(" \t");
            if (first != std::string::npos && (raw[first] == '{' || raw[first] == '[')) {
                auto parsed = json::parse(raw, nullptr, false);
                if (!parsed.is_discarded()) last_json_ = std::move(parsed);
            }
            ctx_.log(line, LogLevel::info);
        } else {
            if (raw == "Traceback (most recent call last):") traceback_ = true;
            stderr_tail_.push_back(line);
            if (stderr_tail_.size() > 10) stderr_tail_.pop_front();
            ctx_.log(line, LogLevel::warning);
        }
    }

    json outcome() {
        if (WIFSIGNALED(status_))
            throw task_error("killed by signal " + std::to_string(WTERMSIG(status_)) + tail(), "signal");
        const int code = WEXITSTATUS(status_);
        if (code == 0) return last_json_.value_or(json{{"exit_code", 0}});
        // The program's own word on its failure: an error line, else a traceback's last line.
        auto reported = reported_;
        if (!reported && traceback_ && !stderr_tail_.empty()) reported = parse_exception_line(stderr_tail_.back());
        const auto type = reported ? reported->type : std::string("exit_code");
        const auto message = reported ? reported->message : "exit code " + std::to_string(code) + tail();
        if (spec_.retryable_exit_codes.count(code)) throw retryable_error(message, type);
        throw task_error(message, type);
    }

    std::string tail() const {
        std::string t;
        for (const auto& l : stderr_tail_) t += (t.empty() ? "" : "\n") + l;
        if (t.size() > 2000) t = t.substr(t.size() - 2000);
        return t.empty() ? "" : ": " + t;
    }

    void close_fd(int i) {
        if (fds_[i] >= 0) ::close(fds_[i]);
        fds_[i] = -1;
    }

    const CommandSpec& spec_;
    TaskContext& ctx_;
    pid_t pid_ = -1;
    int fds_[2] = {-1, -1};
    LineSplitter splitters_[2];
    int status_ = 0;
    bool killing_ = false, killed_ = false;
    std::optional<json> last_json_;
    std::deque<std::string> stderr_tail_;
    std::optional<ReportedError> reported_;
    bool traceback_ = false;
    std::map<std::string, std::string> environment_;
};

} // namespace

TaskKind make_command_kind(const CommandSpec& spec) {
    TaskKind kind;
    kind.name = spec.name;
    kind.description = spec.description.empty() ? "runs " + (spec.argv.empty() ? std::string() : spec.argv[0])
                                                : spec.description;
    kind.params_schema = spec.params_schema;
    kind.params_order = spec.params_order;
    kind.timeout = spec.timeout;
    kind.ttl = spec.ttl;
    kind.max_retries = spec.max_retries;
    kind.max_concurrency = spec.concurrency;
    kind.key_concurrency = spec.key_concurrency;
    kind.rate = spec.rate;
    kind.key_rate = spec.key_rate;
    kind.handler = [spec](TaskContext& ctx) { return CommandRun(spec, ctx).run(); };
    return kind;
}

} // namespace taskstream
