#include <catch2/catch.hpp>

#include "cli/task_board.hpp"

using namespace taskstream;
using namespace taskstream::cli;

namespace {

const std::string kId = "01M8T1C3ST9M9DQBQ40B7BDQF4";

SseEvent state_event(const std::string& id, TaskState state, int attempt = 1) {
    Task t;
    t.id = kId;
    t.kind = "demo.countdown";
    t.state = state;
    t.attempt = attempt;
    t.max_attempts = 2;
    if (state == TaskState::succeeded) t.result = nlohmann::json{{"steps", 3}};
    return {.id = id, .type = "state", .data = to_json(t).dump()};
}

SseEvent progress_event(const std::string& id, int current) {
    return {.id = id, .type = "progress",
            .data = nlohmann::json{{"task_id", kId}, {"current", current}, {"total", 3}, {"message", "step"}}.dump()};
}

} // namespace

TEST_CASE("task board: run adopts the first task it hears of and ends with its terminal state") {
    TaskBoard board;
    CHECK_FALSE(board.all_finished());
    CHECK(board.apply(state_event("0000000000000001", TaskState::queued)).kind == BoardChange::Kind::state);
    REQUIRE(board.tasks().size() == 1);
    CHECK(board.tasks()[0].id == kId);
    CHECK(board.apply(progress_event("0000000000000002", 2)).kind == BoardChange::Kind::progress);
    CHECK(board.tasks()[0].progress.current == 2);
    auto log = board.apply({.id = "0000000000000003", .type = "log",
                            .data = R"({"task_id":")" + kId + R"(","level":"warning","message":"slow disk"})"});
    CHECK(log.kind == BoardChange::Kind::log);
    CHECK(log.level == "warning");
    CHECK(log.message == "slow disk");
    CHECK_FALSE(board.all_finished());
    board.apply(state_event("0000000000000004", TaskState::succeeded));
    CHECK(board.all_finished());
    CHECK(board.exit_code() == 0);
    CHECK(board.last_id() == "0000000000000004");
}

TEST_CASE("task board: an event at or below the last id is a duplicate and changes nothing") {
    TaskBoard board;
    board.apply(state_event("0000000000000005", TaskState::running));
    board.apply(progress_event("0000000000000006", 2));
    // A reconnect that replays from an older id: both are dropped.
    CHECK(board.apply(progress_event("0000000000000006", 1)).kind == BoardChange::Kind::none);
    CHECK(board.apply(progress_event("0000000000000004", 1)).kind == BoardChange::Kind::none);
    CHECK(board.tasks()[0].progress.current == 2);
    // A longer id is a later one, whatever its text.
    CHECK(board.apply(progress_event("00000000000000010", 3)).kind == BoardChange::Kind::progress);
}

TEST_CASE("task board: a reset's snapshot replaces the task; one without a task asks for snapshots") {
    TaskBoard board({kId});
    board.apply(state_event("0000000000000002", TaskState::running));
    board.apply(progress_event("0000000000000003", 1));
    auto snapshot = state_event("0000000000000009", TaskState::failed, 2);
    snapshot.type = "reset";
    auto change = board.apply(snapshot);
    CHECK(change.kind == BoardChange::Kind::reset);
    REQUIRE(change.task);
    CHECK(change.task->state == TaskState::failed);
    CHECK(board.exit_code() == 1);

    auto bare = board.apply({.id = "0000000000000010", .type = "reset", .data = R"({"reason":"history pruned"})"});
    CHECK(bare.kind == BoardChange::Kind::reset);
    CHECK(bare.task == nullptr);
}

TEST_CASE("task board: watch follows only its tasks, and an old attempt's end replayed from history is not the end") {
    TaskBoard board({kId});
    Task now;
    now.id = kId;
    now.kind = "demo.countdown";
    now.attempt = 2;  // retried once before the watch began
    now.state = TaskState::running;
    board.adopt(now, false);
    CHECK_FALSE(board.tasks()[0].state);  // the state comes from the stream

    auto other = progress_event("0000000000000001", 1);
    other.data = R"({"task_id":"01M8T1C4KE0W4XRJJG256PDRF7","current":1})";
    CHECK(board.apply(other).kind == BoardChange::Kind::none);

    board.apply(state_event("0000000000000002", TaskState::cancelled, 1));
    CHECK_FALSE(board.all_finished());
    board.apply(state_event("0000000000000003", TaskState::running, 2));
    board.apply(state_event("0000000000000004", TaskState::cancelled, 2));
    CHECK(board.all_finished());
    CHECK(board.exit_code() == 3);
}

TEST_CASE("task board: shutdown passes through even though it carries the previous id") {
    TaskBoard board;
    board.apply(state_event("0000000000000002", TaskState::running));
    CHECK(board.apply({.id = "0000000000000002", .type = "shutdown", .data = "{}"}).kind ==
          BoardChange::Kind::shutdown);
}
