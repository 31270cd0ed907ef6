#include <catch2/catch.hpp>

#include "taskstream/errors.hpp"
#include "tasks/attempt_outcome.hpp"

using namespace taskstream;

namespace {

template <typename E>
std::exception_ptr thrown(E e) {
    return std::make_exception_ptr(std::move(e));
}

} // namespace

TEST_CASE("attempt outcome: a returned result succeeds; a cancel or cancelled_error cancels") {
    auto ok = classify_attempt({.result = {{"v", 1}}});
    CHECK(ok.state == TaskState::succeeded);
    CHECK(ok.result == nlohmann::json{{"v", 1}});
    CHECK_FALSE(ok.error);
    CHECK(classify_attempt({.cancel_requested = true}).state == TaskState::cancelled);
    CHECK(classify_attempt({.error = thrown(cancelled_error())}).state == TaskState::cancelled);
}

TEST_CASE("attempt outcome: retryable errors and timeouts retry while attempts remain and no one cancelled") {
    auto passing = classify_attempt({.error = thrown(retryable_error("busy", "upstream_busy")), .attempts_left = true});
    CHECK(passing.state == TaskState::retrying);
    CHECK(passing.error->type == "upstream_busy");
    auto last = classify_attempt({.error = thrown(retryable_error("busy")), .attempts_left = false});
    CHECK(last.state == TaskState::failed);
    auto timed_out = classify_attempt({.timed_out = true, .attempts_left = true});
    CHECK(timed_out.state == TaskState::retrying);
    CHECK(timed_out.error->type == "timeout");
    auto cancelled =
        classify_attempt({.error = thrown(retryable_error("busy")), .cancel_requested = true, .attempts_left = true});
    CHECK(cancelled.state == TaskState::failed);  // not retried once a client cancelled
}

TEST_CASE("attempt outcome: other errors fail at once, with their type or internal_error") {
    auto plain = classify_attempt({.error = thrown(task_error("broken", "broken_input")), .attempts_left = true});
    CHECK(plain.state == TaskState::failed);
    CHECK(plain.error->type == "broken_input");
    CHECK(plain.error->message == "broken");
    auto std_error = classify_attempt({.error = thrown(std::runtime_error("oops")), .attempts_left = true});
    CHECK(std_error.state == TaskState::failed);
    CHECK(std_error.error->type == "internal_error");
    auto odd = classify_attempt({.error = thrown(42), .attempts_left = true});
    CHECK(odd.error->type == "internal_error");
}
