// EventView: how a followed stream is shown — live bars on a terminal, plain
// timestamped lines in a pipe, or the events themselves as JSON lines.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "cli/task_board.hpp"

namespace taskstream::cli {

class EventView {
public:
    enum class Mode { terminal, lines, json };

    virtual ~EventView() = default;
    /// After the board applied `event` (`change` says what it did).
    virtual void update(const TaskBoard& board, const BoardChange& change, const SseEvent& event) = 0;
    /// Something the command says about itself (reconnecting, detached).
    virtual void notice(const std::string& text) = 0;
    /// Time passed (about once a second): a terminal redraws elapsed times and ETAs.
    virtual void tick(const TaskBoard& board) {}
    /// The stream is over: the final state of each task.
    virtual void finish(const TaskBoard& board) = 0;
};

/// The view for `mode`, writing to `out` (notices go to stderr).
std::unique_ptr<EventView> make_event_view(EventView::Mode mode, std::FILE* out);

/// The terminal's width in columns (COLUMNS, else 80 when it cannot be asked).
std::size_t terminal_width(std::FILE* out);

} // namespace taskstream::cli
