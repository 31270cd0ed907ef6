// The terminal view: one live progress bar per task, redrawn in place with ANSI
// cursor movement; log lines and notices are printed above the bars.
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "cli/event_view.hpp"
#include "cli/progress_line.hpp"
#include "core/clock.hpp"
#include "core/text.hpp"

namespace taskstream::cli {

std::size_t terminal_width(std::FILE* out) {
    winsize size{};
    if (ioctl(fileno(out), TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
    if (const char* env = std::getenv("COLUMNS")) {
        const long n = std::strtol(env, nullptr, 10);
        if (n > 0) return static_cast<std::size_t>(n);
    }
    return 80;
}

namespace {

class TerminalView final : public EventView {
public:
    explicit TerminalView(std::FILE* out) : out_(out) {}

    void update(const TaskBoard& board, const BoardChange& change, const SseEvent& event) override {
        using Kind = BoardChange::Kind;
        if (change.kind == Kind::topic) return above(board, event.type + " " + event.data);
        if (change.kind == Kind::log) return above(board, label(board, *change.task) + "[" + change.level + "] " +
                                                              change.message);
        if (change.kind == Kind::waiting) return above(board, label(board, *change.task) + "waiting: " + change.message);
        if (change.kind == Kind::superseded)
            return above(board, change.message + " superseded by " + change.task->id + "; following it");
        if (change.kind == Kind::none || change.kind == Kind::shutdown) return;
        // Progress ticks can come by the thousand: redraw at most every 50 ms for them.
        const auto now = std::chrono::steady_clock::now();
        if (change.kind == Kind::progress && now - last_draw_ < std::chrono::milliseconds(50)) return;
        draw(board);
    }

    void notice(const std::string& text) override {
        erase();
        std::fprintf(stderr, "%s\n", without_controls(text).c_str());
        std::fflush(stderr);
    }

    void tick(const TaskBoard& board) override { draw(board); }

    void finish(const TaskBoard& board) override {
        draw(board);
        for (const auto& t : board.tasks())
            std::fprintf(out_, "%s%s\n", board.tasks().size() > 1 ? (t.id + " ").c_str() : "",
                         without_controls(describe_end(t)).c_str());
        std::fflush(out_);
        drawn_ = 0;
    }

private:
    /// "" for one task (its kind is on its bar); "kind …id " when there are several.
    static std::string label(const TaskBoard& board, const TaskView& t) {
        if (board.tasks().size() == 1) return "";
        return t.kind + " …" + t.id.substr(t.id.size() > 6 ? t.id.size() - 6 : 0) + " ";
    }

    /// Moves back over the bars drawn last and clears them, at once: a notice on
    /// stderr comes next, and must not be cleared by this when stdout is flushed later.
    void erase() {
        if (drawn_ > 0) std::fprintf(out_, "\x1b[%zuF\x1b[J", drawn_);
        std::fflush(out_);
        drawn_ = 0;
    }

    void above(const TaskBoard& board, const std::string& line) {
        erase();
        std::fprintf(out_, "%s\n", without_controls(line).c_str());
        draw(board);
    }

    void draw(const TaskBoard& board) {
        const auto width = terminal_width(out_) - 1;  // the last column would wrap on some terminals
        std::size_t label_width = 0;
        std::vector<std::string> labels;
        for (const auto& t : board.tasks()) {
            std::string l = board.tasks().size() == 1 ? t.kind : label(board, t);
            while (!l.empty() && l.back() == ' ') l.pop_back();
            label_width = std::max(label_width, l.size());
            labels.push_back(std::move(l));
        }
        std::string frame = drawn_ > 0 ? "\x1b[" + std::to_string(drawn_) + "F" : std::string();
        const auto now = now_ms();
        for (std::size_t i = 0; i < board.tasks().size(); ++i) {
            labels[i].resize(label_width, ' ');
            frame += "\x1b[2K" + render_bar(board.tasks()[i], labels[i], width, now) + "\n";
        }
        std::fputs(frame.c_str(), out_);
        std::fflush(out_);
        drawn_ = board.tasks().size();
        last_draw_ = std::chrono::steady_clock::now();
    }

    std::FILE* out_;
    std::size_t drawn_ = 0;  // bar lines on screen below the text
    std::chrono::steady_clock::time_point last_draw_{};
};

} // namespace

std::unique_ptr<EventView> make_terminal_view(std::FILE* out) { return std::make_unique<TerminalView>(out); }

} // namespace taskstream::cli
