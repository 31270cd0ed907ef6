// The views for output that is not a terminal: timestamped lines, JSON lines.
#include <nlohmann/json.hpp>

#include "cli/event_view.hpp"
#include "cli/progress_line.hpp"
#include "core/clock.hpp"
#include "core/text.hpp"

namespace taskstream::cli {

std::unique_ptr<EventView> make_terminal_view(std::FILE* out);

namespace {

/// "2026-12-01T10:00:00.123Z demo.countdown …QR6 progress 40% 2/5 step 2": one line per event.
class PlainLinesView final : public EventView {
public:
    explicit PlainLinesView(std::FILE* out) : out_(out) {}

    void update(const TaskBoard& board, const BoardChange& change, const SseEvent& event) override {
        if (change.kind == BoardChange::Kind::topic) return print(0, event.type + " " + event.data);
        if (!change.task) return;
        const auto& t = *change.task;
        std::string what;
        switch (change.kind) {
        case BoardChange::Kind::state:
        case BoardChange::Kind::reset:
            what = t.finished() ? describe_end(t)
                                : std::string(to_string(*t.state)) + " attempt " + std::to_string(t.attempt) + "/" +
                                      std::to_string(t.max_attempts);
            if (change.kind == BoardChange::Kind::reset) what = "reset: " + what;
            break;
        case BoardChange::Kind::progress: what = "progress " + describe_progress(t.progress); break;
        case BoardChange::Kind::log: what = "log " + change.level + " " + change.message; break;
        case BoardChange::Kind::waiting: what = "waiting: " + change.message; break;
        case BoardChange::Kind::superseded:
            return print(change.at_ms, t.kind + " " + change.message + " superseded by " + t.id + "; following it");
        default: return;
        }
        print(change.at_ms, t.kind + " " + t.id + " " + what);
    }

    void notice(const std::string& text) override {
        std::fprintf(stderr, "%s %s\n", format_rfc3339(now_ms()).c_str(), without_controls(text).c_str());
    }

    void finish(const TaskBoard&) override {}

private:
    /// One line: the event's own time (a replayed event happened before it is printed;
    /// the time it is printed when the server does not say), then `text` without controls.
    void print(std::int64_t at_ms, const std::string& text) {
        std::fprintf(out_, "%s %s\n", format_rfc3339(at_ms > 0 ? at_ms : now_ms()).c_str(),
                     without_controls(text).c_str());
        std::fflush(out_);
    }

    std::FILE* out_;
};

/// Every event as one JSON line: {"id", "event", "data"} (data parsed when it is JSON).
class JsonLinesView final : public EventView {
public:
    explicit JsonLinesView(std::FILE* out) : out_(out) {}

    void update(const TaskBoard&, const BoardChange& change, const SseEvent& event) override {
        if (change.kind == BoardChange::Kind::none) return;  // duplicates and other topics' events
        auto data = nlohmann::json::parse(event.data, nullptr, false);
        if (data.is_discarded()) data = event.data;
        nlohmann::json line{{"event", event.type}, {"data", data}};
        if (change.kind != BoardChange::Kind::shutdown) line["id"] = event.id;
        std::fprintf(out_, "%s\n", line.dump().c_str());
        std::fflush(out_);
    }

    void notice(const std::string& text) override { std::fprintf(stderr, "%s\n", text.c_str()); }
    void finish(const TaskBoard&) override {}

private:
    std::FILE* out_;
};

} // namespace

std::unique_ptr<EventView> make_event_view(EventView::Mode mode, std::FILE* out) {
    switch (mode) {
    case EventView::Mode::terminal: return make_terminal_view(out);
    case EventView::Mode::json: return std::make_unique<JsonLinesView>(out);
    case EventView::Mode::lines: break;
    }
    return std::make_unique<PlainLinesView>(out);
}

} // namespace taskstream::cli
