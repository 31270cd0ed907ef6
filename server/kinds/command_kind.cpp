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

std::string param_text(const json& value) { return value.is_string() ? value.get<std::string>() : value.dump(); }

const json& param_or_throw(const json& params, const std::string& name) {
    if (!params.is_object() || !params.contains(name))
        throw task_error("argv names {" + name + "}, but the task has no such param", "bad_command");
    return params[name];
}

/// Replaces every "{name}" in `element`; "{{" / "}}" are literal braces.
std::string substitute(const std::string& element, const json& params) {
    std::string out;
    for (std::size_t i = 0; i < element.size(); ++i) {
        char c = element[i];
        if ((c == '{' || c == '}') && i + 1 < element.size() && element[i + 1] == c) {
            out.push_back(c);
            ++i;
        } else if (c == '{') {
            auto close = element.find('}', i);
            if (close == std::string::npos) throw task_error("unclosed { in argv element", "bad_command");
            out += param_text(param_or_throw(params, element.substr(i + 1, close - i - 1)));
            i = close;
        } else {
            out.push_back(c);
        }
    }
    return out;
}

bool is_whole_placeholder(const std::string& e) {
    return e.size() > 2 && e.front() == '{' && e.back() == '}' && e[1] != '{' &&
           e.find_first_of("{}", 1) == e.size() - 1;
}

/// Splits a stream of bytes into lines (LF or CRLF); the last partial line waits.
class LineSplitter {
public:
    template <typename F>
    void feed(const char* data, std::size_t n, F&& on_line) {
        buffer_.append(data, n);
        std::size_t start = 0;
        for (std::size_t nl; (nl = buffer_.find('\n', start)) != std::string::npos; start = nl + 1) {
            std::size_t end = nl > start && buffer_[nl - 1] == '\r' ? nl - 1 : nl;
            on_line(buffer_.substr(start, end - start));
        }
        buffer_.erase(0, start);
        if (buffer_.size() > 4 * kMaxLogLine) {  // an endless line: emit what we have
            on_line(buffer_);
            buffer_.clear();
        }
    }
    template <typename F>
    void finish(F&& on_line) {
        if (!buffer_.empty()) on_line(buffer_);
        buffer_.clear();
    }

private:
    std::string buffer_;
};

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
            if (!spec_.env.count(entry.substr(0, entry.find('=')))) env_strings.push_back(std::move(entry));
        }
        for (const auto& [k, v] : spec_.env) env_strings.push_back(k + "=" + v);
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
        if (stream == 0) {
            if (auto p = parse_progress_line(raw)) return ctx_.progress(*p);
            auto first = raw.find_first_not_of(" \t");
            if (first != std::string::npos && (raw[first] == '{' || raw[first] == '[')) {
                auto parsed = json::parse(raw, nullptr, false);
                if (!parsed.is_discarded()) last_json_ = std::move(parsed);
            }
            ctx_.log(line, LogLevel::info);
        } else {
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
        const std::string message = "exit code " + std::to_string(code) + tail();
        if (spec_.retryable_exit_codes.count(code)) throw retryable_error(message, "exit_code");
        throw task_error(message, "exit_code");
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
};

} // namespace

std::vector<std::string> expand_argv(const std::vector<std::string>& argv_template, const json& params) {
    std::vector<std::string> out;
    for (const auto& element : argv_template) {
        if (is_whole_placeholder(element)) {
            const json& value = param_or_throw(params, element.substr(1, element.size() - 2));
            if (value.is_array())
                for (const auto& item : value) out.push_back(param_text(item));
            else
                out.push_back(param_text(value));
        } else {
            out.push_back(substitute(element, params));
        }
    }
    return out;
}

std::optional<Progress> parse_progress_line(const std::string& line) {
    if (line.rfind("progress ", 0) != 0) return std::nullopt;
    std::size_t pos = 9;
    std::size_t end = line.find(' ', pos);
    std::string number = line.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    std::string message = end == std::string::npos ? "" : line.substr(end + 1);
    Progress p;
    p.message = sanitize_output_line(message);
    try {
        if (auto slash = number.find('/'); slash != std::string::npos) {
            std::size_t used1 = 0, used2 = 0;
            long long cur = std::stoll(number.substr(0, slash), &used1);
            long long total = std::stoll(number.substr(slash + 1), &used2);
            if (used1 != slash || used2 != number.size() - slash - 1 || total <= 0 || cur < 0) return std::nullopt;
            p.current = cur;
            p.total = total;
            p.percent = 100.0 * static_cast<double>(cur) / static_cast<double>(total);
        } else {
            if (!number.empty() && number.back() == '%') number.pop_back();
            std::size_t used = 0;
            double pct = std::stod(number, &used);
            if (used != number.size() || pct < 0 || pct > 100) return std::nullopt;
            p.percent = pct;
        }
    } catch (const std::exception&) {
        return std::nullopt;
    }
    return p;
}

std::string sanitize_output_line(const std::string& line) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    const std::size_t n = std::min(line.size(), kMaxLogLine);
    for (std::size_t i = 0; i < n;) {
        auto c = static_cast<unsigned char>(line[i]);
        std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        bool valid = len > 0 && i + len <= line.size();
        for (std::size_t k = 1; valid && k < len; ++k) valid = (static_cast<unsigned char>(line[i + k]) >> 6) == 2;
        if (valid && len == 1 && (c < 0x20 || c == 0x7f) && c != '\t') valid = false;
        if (!valid) {
            out += "\\x";
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
            ++i;
        } else {
            out.append(line, i, len);
            i += len;
        }
    }
    if (line.size() > kMaxLogLine) out += " …[cut: " + std::to_string(line.size()) + " bytes]";
    return out;
}

TaskKind make_command_kind(const CommandSpec& spec) {
    TaskKind kind;
    kind.name = spec.name;
    kind.description = spec.description.empty() ? "runs " + (spec.argv.empty() ? std::string() : spec.argv[0])
                                                : spec.description;
    kind.params_schema = spec.params_schema;
    kind.timeout = spec.timeout;
    kind.max_retries = spec.max_retries;
    kind.max_concurrency = spec.concurrency;
    kind.handler = [spec](TaskContext& ctx) { return CommandRun(spec, ctx).run(); };
    return kind;
}

} // namespace taskstream
