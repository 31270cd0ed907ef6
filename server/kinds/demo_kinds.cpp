#include "kinds/demo_kinds.hpp"

#include <atomic>
#include <mutex>
#include <unordered_map>

namespace taskstream {
namespace {

using json = nlohmann::json;

TaskKind countdown() {
    TaskKind k;
    k.name = "demo.countdown";
    k.description = "Counts down `steps` steps, `interval_ms` apart, reporting progress at each. "
                    "One at a time per `concurrency_key`.";
    k.params_schema = json::parse(R"({
      "type": "object",
      "properties": {
        "steps": {"type": "integer", "minimum": 1, "maximum": 100000, "default": 10,
                  "description": "how many steps"},
        "interval_ms": {"type": "integer", "minimum": 0, "maximum": 60000, "default": 500,
                        "description": "pause between steps"}
      },
      "additionalProperties": false
    })");
    k.params_order = {"steps", "interval_ms"};
    k.key_concurrency = 1;  // one countdown at a time per concurrency_key (tasks without one are not held)
    k.handler = [](TaskContext& ctx) -> json {
        const auto steps = ctx.params()["steps"].get<std::int64_t>();
        const auto interval = std::chrono::milliseconds(ctx.params()["interval_ms"].get<std::int64_t>());
        ctx.log("counting down " + std::to_string(steps) + " steps");
        for (std::int64_t i = 1; i <= steps; ++i) {
            if (interval.count() > 0 && !ctx.sleep_for(interval)) ctx.check_cancelled();
            ctx.check_cancelled();
            ctx.progress(i, steps, "step " + std::to_string(i) + " of " + std::to_string(steps));
        }
        return json{{"steps", steps}};
    };
    return k;
}

TaskKind flaky() {
    TaskKind k;
    k.name = "demo.flaky";
    k.description = "Fails with a retryable error `failures` times, then succeeds.";
    k.params_schema = json::parse(R"({
      "type": "object",
      "properties": {
        "failures": {"type": "integer", "minimum": 0, "maximum": 100, "default": 2}
      },
      "additionalProperties": false
    })");
    k.max_retries = 3;
    k.backoff = std::chrono::milliseconds(200);
    k.handler = [](TaskContext& ctx) -> json {
        const int failures = ctx.params()["failures"].get<int>();
        if (ctx.attempt() <= failures) {
            ctx.log("attempt " + std::to_string(ctx.attempt()) + " fails on purpose", LogLevel::warning);
            throw retryable_error("flaky failure " + std::to_string(ctx.attempt()) + " of " +
                                  std::to_string(failures));
        }
        ctx.progress(100.0, "done");
        return json{{"attempts", ctx.attempt()}};
    };
    return k;
}

TaskKind fail() {
    TaskKind k;
    k.name = "demo.fail";
    k.description = "Fails at once with `message`.";
    k.params_schema = json::parse(R"({
      "type": "object",
      "properties": {
        "message": {"type": "string", "maxLength": 1000, "default": "this task always fails"}
      },
      "additionalProperties": false
    })");
    k.handler = [](TaskContext& ctx) -> json {
        throw task_error(ctx.params()["message"].get<std::string>(), "demo_failure");
    };
    return k;
}

/// Nothing but the engine's own work: what the bench's task-queue scenarios run.
TaskKind noop() {
    TaskKind k;
    k.name = "demo.noop";
    k.description = "Does nothing and succeeds.";
    k.params_schema = json::parse(R"({"type": "object", "properties": {}, "additionalProperties": false})");
    k.handler = [](TaskContext&) -> json { return nullptr; };
    k.key_concurrency = 1;  // what make bench's F1 and F2 measure: keyed dispatch, one at a time per key
    return k;
}

/// demo.noop with a start rate no server reaches: what make bench's F3 and F4 measure
/// beside demo.noop is the rate's bookkeeping on every start (a binding rate would
/// measure the rate).
TaskKind noop_metered() {
    TaskKind k = noop();
    k.name = "demo.noop_metered";
    k.description = "Does nothing and succeeds; at most 100,000 starts a second.";
    k.rate = "100000/s";
    return k;
}

} // namespace

void register_demo_kinds(KindRegistry& registry) {
    registry.add(countdown());
    registry.add(flaky());
    registry.add(fail());
    registry.add(noop());
    registry.add(noop_metered());
}

} // namespace taskstream
