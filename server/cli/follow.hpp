// follow(): keeps one event stream of a TaskBoard's tasks open until they have
// all finished — reconnecting after a drop or a restart with the last id, so
// that nothing is missed or shown twice — and makes Ctrl-C a detach (or a cancel).
#pragma once

#include <chrono>
#include <functional>

#include <boost/asio/awaitable.hpp>

#include "cli/api_client.hpp"
#include "cli/event_view.hpp"
#include "cli/task_board.hpp"

namespace taskstream::cli {

struct FollowPlan {
    /// The request that opens (and reopens) the stream, from what the board knows
    /// (its last id, its tasks).
    std::function<ApiRequest(const TaskBoard&)> request;
    /// The first Ctrl-C cancels the task (and the stream shows it end); a second one detaches.
    bool cancel_on_interrupt = false;
    /// How long the server may stay away, once a stream was open, before giving up.
    std::chrono::milliseconds reconnect_for{std::chrono::seconds(60)};
    /// A stream silent this long is taken for dead (heartbeats come every 15 s).
    std::chrono::milliseconds idle{std::chrono::seconds(45)};
};

/// Runs on `api`'s io_context until every task finished, the user detached or the
/// server stayed away. Returns the exit code (exit_codes.hpp).
boost::asio::awaitable<int> follow(ApiClient& api, TaskBoard& board, EventView& view, FollowPlan plan);

} // namespace taskstream::cli
