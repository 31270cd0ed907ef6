// `taskstream run` (create-and-stream one task), `taskstream bulk` (start a bulk action and
// follow it) and `taskstream watch` (follow tasks and topics).
#include <unistd.h>

#include <cstdio>
#include <random>

#include "cli/client_commands.hpp"
#include "cli/command_runner.hpp"
#include "cli/exit_codes.hpp"
#include "cli/follow.hpp"
#include "cli/param_values.hpp"
#include "core/ids.hpp"

namespace taskstream::cli {

namespace asio = boost::asio;
using boost::beast::http::verb;

namespace {

EventView::Mode view_mode(bool json) {
    if (json) return EventView::Mode::json;
    return isatty(fileno(stdout)) ? EventView::Mode::terminal : EventView::Mode::lines;
}

std::string random_key() {
    std::random_device rd;
    char buf[40];
    std::snprintf(buf, sizeof buf, "cli-%08x%08x%08x", rd(), rd(), rd());
    return buf;
}

/// The kind's params schema from GET /v1/kinds; a UsageError naming the known kinds when there is no such kind.
asio::awaitable<nlohmann::json> params_schema(ApiClient& api, const std::string& kind) {
    ApiRequest request{.target = "/v1/kinds"};
    auto r = co_await api.send(std::move(request));
    if (r.status != 200) throw std::runtime_error("GET /v1/kinds: " + r.problem_text());
    std::string known;
    for (const auto& k : r.json().value("kinds", nlohmann::json::array())) {
        if (k.value("name", "") == kind) co_return k.value("params_schema", nlohmann::json::object());
        known += (known.empty() ? "" : ", ") + k.value("name", "");
    }
    throw UsageError("no task kind '" + kind + "' on " + api.server().url() + " (it has: " + known + ")");
}

/// --dedupe KEY[:MODE]: {key, mode}; a last ":join", ":replace" or ":reject" is the mode, the rest the key.
nlohmann::json dedupe_of(const std::string& text) {
    for (const char* mode : {"join", "replace", "reject"}) {
        const std::string suffix = std::string(":") + mode;
        if (text.size() > suffix.size() && text.ends_with(suffix))
            return {{"key", text.substr(0, text.size() - suffix.size())}, {"mode", mode}};
    }
    return {{"key", text}, {"mode", "join"}};
}

/// POST `body` to `target` once under `key` (a retry of the request re-attaches to what it made).
asio::awaitable<ApiResponse> post_created(ApiClient& api, const std::string& target, const nlohmann::json& body,
                                         const std::string& key) {
    ApiRequest create{.method = verb::post, .target = target, .body = body};
    create.headers.emplace_back("Idempotency-Key", key);
    co_return co_await api.send(std::move(create));
}

/// A create's answer that made no task: said on stderr; the exit code.
int creation_refused(const ApiResponse& r) {
    std::fprintf(stderr, "taskstream: %s\n", r.problem_text().c_str());
    return r.status < 500 ? exit_code::usage : exit_code::failed;
}

bool made_task(const ApiResponse& r) { return r.status == 202 || r.status == 200; }

HeaderList resume_from(const TaskBoard& board) {
    if (board.last_id().empty()) return {};
    return {{"Last-Event-ID", board.last_id()}};
}

} // namespace

int run_task(const std::string& server, const RunOptions& o) {
    return run_against(server, [&o](ApiClient& api) -> asio::awaitable<int> {
        const auto schema = co_await params_schema(api, o.kind);
        nlohmann::json body{{"kind", o.kind}, {"params", params_from_arguments(o.params, o.params_json, schema)}};
        if (o.priority) body["priority"] = *o.priority;
        if (o.delay_s) body["delay_s"] = *o.delay_s;
        if (o.timeout_s) body["timeout_s"] = *o.timeout_s;
        if (o.max_retries) body["max_retries"] = *o.max_retries;
        if (!o.concurrency_key.empty()) body["concurrency_key"] = o.concurrency_key;
        if (!o.dedupe.empty()) body["dedupe"] = dedupe_of(o.dedupe);
        if (o.ttl_s) body["ttl_s"] = *o.ttl_s;
        if (!o.tags.empty()) body["tags"] = o.tags;
        if (!o.metadata.empty()) body["metadata"] = metadata_from_arguments(o.metadata);
        const std::string key = o.idempotency_key.empty() ? random_key() : o.idempotency_key;

        if (o.detach) {
            auto r = co_await post_created(api, "/v1/tasks", body, key);
            if (!made_task(r)) co_return creation_refused(r);
            std::printf("%s\n", o.json ? r.body.c_str() : r.json().value("id", "").c_str());
            co_return exit_code::succeeded;
        }

        TaskBoard board;
        auto view = make_event_view(view_mode(o.json), stdout);
        FollowPlan plan{.cancel_on_interrupt = o.cancel_on_interrupt};
        // Once the task is known its stream is resumed; before that the POST is
        // sent again, and its Idempotency-Key makes it re-attach to the same task.
        plan.request = [&body, &key](const TaskBoard& b) -> ApiRequest {
            auto headers = resume_from(b);
            if (!b.tasks().empty()) return {.target = "/v1/tasks/" + b.tasks().front().id + "/events", .headers = headers};
            headers.emplace_back("Idempotency-Key", key);
            return {.method = verb::post, .target = "/v1/tasks", .body = body, .headers = headers};
        };
        co_return co_await follow(api, board, *view, std::move(plan));
    });
}

int bulk_tasks(const std::string& server, const BulkOptions& o) {
    return run_against(server, [&o](ApiClient& api) -> asio::awaitable<int> {
        nlohmann::json body{{"action", o.action}, {"filter", filter_object(o.filter)}};
        if (o.all && !body["filter"].empty()) throw UsageError("--all takes every task: give it without other filters");
        if (o.all) body["filter"]["all"] = true;
        if (body["filter"].empty())
            throw UsageError("give a filter (--state, --kind, --tag, --meta, --key, --error-type, --created-after, "
                             "--created-before, --search) or --all: a bulk action never takes every task by default");
        if (o.max) body["max"] = *o.max;
        auto r = co_await post_created(api, "/v1/tasks/bulk", body, random_key());
        if (!made_task(r)) co_return creation_refused(r);
        const Task bulk = task_from_json(r.json());
        if (o.detach) {
            std::printf("%s\n", o.json ? r.body.c_str() : bulk.id.c_str());
            co_return exit_code::succeeded;
        }
        TaskBoard board({bulk.id});
        board.adopt(bulk, false);
        auto view = make_event_view(view_mode(o.json), stdout);
        FollowPlan plan;
        plan.request = [](const TaskBoard& b) -> ApiRequest {
            return {.target = "/v1/tasks/" + b.tasks().front().id + "/events", .headers = resume_from(b)};
        };
        co_return co_await follow(api, board, *view, std::move(plan));
    });
}

int watch_tasks(const std::string& server, const WatchOptions& o) {
    return run_against(server, [&o](ApiClient& api) -> asio::awaitable<int> {
        // Task ids are ULIDs; anything else names a producer's topic (or a pattern such as jobs/*).
        std::vector<std::string> ids, topics;
        for (const auto& arg : o.targets) (is_task_id(arg) ? ids : topics).push_back(arg);
        if (!o.until.empty() && topics.empty()) throw UsageError("--until needs a topic to watch");
        TaskBoard board(ids);
        if (!topics.empty()) board.follow_topics(o.until);
        for (const auto& id : ids) {
            ApiRequest request{.target = "/v1/tasks/" + id};
            auto r = co_await api.send(std::move(request));
            if (r.status != 200) {
                std::fprintf(stderr, "taskstream: task %s: %s\n", id.c_str(), r.problem_text().c_str());
                co_return exit_code::failed;
            }
            board.adopt(task_from_json(r.json()), false);
        }
        auto view = make_event_view(view_mode(o.json), stdout);
        // A mistyped task id is taken for a topic: say so, rather than show a blank screen.
        for (const auto& t : topics)
            view->notice("watching topic " + t + " live (not a task id; a task id is 26 letters and digits)");
        FollowPlan plan;
        plan.request = [topics, from_start = o.from_start](const TaskBoard& b) -> ApiRequest {
            // One task: its own stream (history, then live, then its end). Else one
            // multiplexed stream: tasks from the start of what is kept, topics live
            // (or from the start too).
            if (b.tasks().size() == 1 && topics.empty())
                return {.target = "/v1/tasks/" + b.tasks().front().id + "/events", .headers = resume_from(b)};
            std::string target = "/v1/events?";
            for (const auto& t : b.tasks()) target += "topic=tasks/" + t.id + "&";
            for (const auto& t : topics) target += "topic=" + query_value(t) + "&";
            target.pop_back();
            HeaderList headers = resume_from(b);
            if (headers.empty() && (!b.tasks().empty() || from_start)) headers.emplace_back("Last-Event-ID", "0");
            return {.target = target, .headers = headers};
        };
        co_return co_await follow(api, board, *view, std::move(plan));
    });
}

} // namespace taskstream::cli
