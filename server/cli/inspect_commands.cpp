// `taskstream show ID` (the task, with each attempt from its history) and
// `taskstream logs ID` (its log lines, each with the time it was written).
#include <cstdio>

#include "cli/attempt_history.hpp"
#include "cli/client_commands.hpp"
#include "cli/command_runner.hpp"
#include "cli/exit_codes.hpp"
#include "cli/output.hpp"
#include "cli/progress_line.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/text.hpp"

namespace taskstream::cli {

namespace asio = boost::asio;

namespace {

/// Every committed event of the task, oldest first ({id, type, data}); a refusal as its answer.
asio::awaitable<std::variant<nlohmann::json, ApiResponse>> task_history(ApiClient& api, const std::string& id) {
    auto events = nlohmann::json::array();
    std::string after;
    for (;;) {
        ApiRequest page{.target = "/v1/tasks/" + id + "/events?limit=1000" + (after.empty() ? "" : "&after=" + after),
                        .headers = {{"Accept", "application/json"}}};
        auto r = co_await api.send(std::move(page));
        if (r.status != 200) co_return r;
        auto body = r.json();
        for (auto& e : body["events"]) events.push_back(std::move(e));
        if (!body["next_after"].is_string()) co_return events;
        after = body["next_after"].get<std::string>();
    }
}

int not_an_id(const std::string& id) {
    std::fprintf(stderr, "taskstream: '%s' is not a task id\n", without_controls(id).c_str());
    return exit_code::usage;
}

std::string time_or_dash(std::int64_t ms) { return ms ? format_rfc3339(ms) : "-"; }

} // namespace

int show_task(const std::string& server, const std::string& id, bool json) {
    if (!is_task_id(id)) return not_an_id(id);
    return run_against(server, [&id, json](ApiClient& api) -> asio::awaitable<int> {
        ApiRequest get{.target = "/v1/tasks/" + id};
        auto r = co_await api.send(std::move(get));
        if (r.status != 200) co_return refused(r);
        if (json) {
            std::printf("%s\n", r.body.c_str());
            co_return exit_code::succeeded;
        }
        const Task t = task_from_json(r.json());
        std::vector<std::vector<std::string>> rows{
            {"id", t.id},
            {"kind", t.kind},
            {"state", std::string(to_string(t.state))},
            {"attempt", std::to_string(t.attempt) + " of " + std::to_string(t.max_attempts) + " (" +
                            std::to_string(t.max_retries) + " retries a run)"},
            {"progress", describe_progress(t.progress)},
            {"params", t.params.dump()},
            {"created", time_or_dash(t.created_at)},
            {"scheduled", time_or_dash(t.scheduled_at)},
            {"started", time_or_dash(t.started_at)},
            {"finished", time_or_dash(t.finished_at)}};
        if (!t.concurrency_key.empty()) rows.insert(rows.begin() + 6, {"concurrency key", without_controls(t.concurrency_key)});
        if (const auto waiting = r.json().value("waiting", nlohmann::json::object()); waiting.contains("detail")) {
            std::string line = waiting["detail"].get<std::string>();
            if (waiting.value("reason", "") == "rate_limit" && waiting.contains("until"))
                line += " (next at " + waiting["until"].get<std::string>() + ")";
            rows.insert(rows.begin() + 3, {"waiting", without_controls(line)});
        }
        if (!t.dedupe_key.empty()) rows.push_back({"dedupe key", without_controls(t.dedupe_key)});
        if (!t.tags.empty()) {
            std::string tags;
            for (const auto& tag : t.tags) tags += (tags.empty() ? "" : " ") + tag;  // tags have no control characters
            rows.push_back({"tags", tags});
        }
        if (!t.metadata.empty()) rows.push_back({"metadata", without_controls(t.metadata.dump())});
        if (!t.superseded_by.empty()) rows.push_back({"superseded by", t.superseded_by});
        if (!t.after.empty()) rows.push_back({"starts after", t.after});  // the running task it replaced
        if (t.result) rows.push_back({"result", t.result->dump()});
        if (t.error) rows.push_back({"error", t.error->type + ": " + t.error->message});
        print_table(rows);
        auto history = co_await task_history(api, id);
        if (auto* refusal = std::get_if<ApiResponse>(&history)) co_return refused(*refusal);
        std::vector<std::vector<std::string>> attempts{{"ATTEMPT", "ENDED", "RAN", "ERROR"}};
        for (const auto& a : attempt_history(std::get<nlohmann::json>(history)))
            attempts.push_back({std::to_string(a.number), a.outcome,
                                a.started_at && a.ended_at ? format_run_time(a.ended_at - a.started_at) : "-",
                                a.error ? a.error->type + ": " + a.error->message : ""});
        std::printf("\n");
        print_table(attempts);
        co_return exit_code::succeeded;
    });
}

int task_logs(const std::string& server, const std::string& id) {
    if (!is_task_id(id)) return not_an_id(id);
    return run_against(server, [&id](ApiClient& api) -> asio::awaitable<int> {
        auto history = co_await task_history(api, id);
        if (auto* refusal = std::get_if<ApiResponse>(&history)) co_return refused(*refusal);
        for (const auto& e : std::get<nlohmann::json>(history)) {
            if (e.value("type", "") != "log" || !e["data"].is_object()) continue;
            const auto& d = e["data"];
            std::printf("%s %s %s\n", d.value("at", "-").c_str(), d.value("level", "info").c_str(),
                        without_controls(d.value("message", "")).c_str());
        }
        co_return exit_code::succeeded;
    });
}

} // namespace taskstream::cli
