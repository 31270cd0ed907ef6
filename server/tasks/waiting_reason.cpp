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

std::optional<Waiting> waiting_reason(const Task& t, const WaitingFacts& f) {
    if (t.state != TaskState::queued && t.state != TaskState::retrying) return std::nullopt;
    if (t.scheduled_at > f.now_ms)
        return Waiting{"scheduled", t.state == TaskState::retrying ? "its next attempt is due later" : "it is due later",
                       t.scheduled_at};
    if (f.paused) return Waiting{"paused", "the queue is paused: no task starts until it is resumed"};
    if (f.kind_paused) return Waiting{"kind_paused", "kind " + t.kind + " is paused: its tasks start once it is resumed"};
    if (!t.concurrency_key.empty() && f.key_limit > 0 && f.load.key_running >= f.key_limit)
        return Waiting{"key_limit", std::to_string(f.load.key_running) + " of " + std::to_string(f.key_limit) + " " +
                                        t.kind + " tasks for " + t.concurrency_key + " are running"};
    if (f.kind_limit > 0 && f.load.kind_running >= f.kind_limit)
        return Waiting{"kind_limit", std::to_string(f.load.kind_running) + " of " + std::to_string(f.kind_limit) + " " +
                                         t.kind + " tasks are running"};
    if (!t.concurrency_key.empty() && f.load.key_next_start_ms > f.now_ms)
        return Waiting{"rate_limit", "at most " + rate_words(f.key_rate) + " " + t.kind + " tasks start for " +
                                         t.concurrency_key, f.load.key_next_start_ms};
    if (f.load.kind_next_start_ms > f.now_ms)
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
