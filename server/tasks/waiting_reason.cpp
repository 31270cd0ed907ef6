#include "tasks/waiting_reason.hpp"

#include "core/clock.hpp"
#include "tasks/start_rate.hpp"

namespace taskstream {

namespace {
/// "2/s" as "2 per second"; a rate this server does not know (another server's) as written.
std::string rate_words(const std::string& rate) {
    auto parsed = parse_start_rate(rate);
    return parsed ? parsed->describe() : rate.empty() ? std::string("its rate of") : rate;
}
} // namespace

std::string_view group_waiting_reason(const GroupHold& h) {
    if (h.paused) return "paused";
    if (h.kind_paused) return "kind_paused";
    if (h.key_full) return "key_limit";
    if (h.kind_full) return "kind_limit";
    if (h.key_rate_held || h.kind_rate_held) return "rate_limit";
    return "workers_busy";
}

std::optional<Waiting> waiting_reason(const Task& t, const WaitingFacts& f) {
    if (t.state != TaskState::queued && t.state != TaskState::retrying) return std::nullopt;
    if (t.scheduled_at > f.now_ms)
        return Waiting{"scheduled", t.state == TaskState::retrying ? "its next attempt is due later" : "it is due later",
                       t.scheduled_at};
    const bool keyed = !t.concurrency_key.empty();
    const GroupHold hold{.paused = f.paused,
                         .kind_paused = f.kind_paused,
                         .key_full = keyed && f.key_limit > 0 && f.load.key_running >= f.key_limit,
                         .kind_full = f.kind_limit > 0 && f.load.kind_running >= f.kind_limit,
                         .key_rate_held = keyed && f.load.key_next_start_ms > f.now_ms,
                         .kind_rate_held = f.load.kind_next_start_ms > f.now_ms};
    const std::string_view reason = group_waiting_reason(hold);
    if (reason == "paused") return Waiting{"paused", "the queue is paused: no task starts until it is resumed"};
    if (reason == "kind_paused")
        return Waiting{"kind_paused", "kind " + t.kind + " is paused: its tasks start once it is resumed"};
    if (!f.behind.empty())
        return Waiting{"key_limit", "it starts once task " + f.behind + ", which it replaced while running, has finished"};
    if (reason == "key_limit")
        return Waiting{"key_limit", std::to_string(f.load.key_running) + " of " + std::to_string(f.key_limit) + " " +
                                        t.kind + " tasks for " + t.concurrency_key + " are running"};
    if (reason == "kind_limit")
        return Waiting{"kind_limit", std::to_string(f.load.kind_running) + " of " + std::to_string(f.kind_limit) + " " +
                                         t.kind + " tasks are running"};
    if (hold.key_rate_held)
        return Waiting{"rate_limit", "at most " + rate_words(f.key_rate) + " " + t.kind + " tasks start for " +
                                         t.concurrency_key, f.load.key_next_start_ms};
    if (hold.kind_rate_held)
        return Waiting{"rate_limit", "at most " + rate_words(f.rate) + " " + t.kind + " tasks start",
                       f.load.kind_next_start_ms};
    return Waiting{"workers_busy", "waiting for a free worker"};
}

nlohmann::json to_json(const Waiting& w) {
    nlohmann::json j{{"reason", w.reason}, {"detail", w.detail}};
    if (w.until) j["until"] = format_rfc3339(w.until);
    return j;
}

} // namespace taskstream
