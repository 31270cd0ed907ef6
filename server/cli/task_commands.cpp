// `taskstream tasks`, `kinds`, `cancel`, `retry`, `delete`, `pause`, `resume` and
// `status`: one request each, printed as a table or a line.
#include <cstdio>

#include "cli/client_commands.hpp"
#include "cli/command_runner.hpp"
#include "cli/exit_codes.hpp"
#include "cli/output.hpp"
#include "cli/param_values.hpp"
#include "cli/progress_line.hpp"
#include "core/ids.hpp"
#include "core/text.hpp"
#include "model/task.hpp"

namespace taskstream::cli {

namespace asio = boost::asio;
using boost::beast::http::verb;

namespace {

/// "integer 1..100000, default 10": what a param's schema allows.
std::string describe_param(const nlohmann::json& schema) {
    std::string out;
    if (!schema.is_object()) return out;
    if (auto type = schema.find("type"); type != schema.end()) out = type->is_string() ? type->get<std::string>() : type->dump();
    if (schema.contains("enum")) out += " one of " + schema["enum"].dump();
    if (schema.contains("minimum") || schema.contains("maximum"))
        out += " " + (schema.contains("minimum") ? schema["minimum"].dump() : std::string()) + ".." +
               (schema.contains("maximum") ? schema["maximum"].dump() : std::string());
    if (schema.contains("default")) out += ", default " + schema["default"].dump();
    if (auto d = schema.value("description", ""); !d.empty()) out += " — " + d;
    return out;
}

} // namespace

int list_tasks(const std::string& server, const ListOptions& o) {
    return run_against(server, [&o](ApiClient& api) -> asio::awaitable<int> {
        const std::string target = "/v1/tasks?limit=" + std::to_string(o.limit) + filter_query(o.filter);
        ApiRequest request{.target = target};
        auto r = co_await api.send(std::move(request));
        if (r.status != 200) co_return refused(r);
        if (o.json) {
            std::printf("%s\n", r.body.c_str());
            co_return exit_code::succeeded;
        }
        std::vector<std::vector<std::string>> rows{{"ID", "KIND", "STATE", "ATTEMPT", "PROGRESS", "CREATED", "ERROR"}};
        // A search's page may be short and go on (it reads a bounded number of tasks): the table
        // follows the cursor until it has `limit` rows, within a bounded number of pages.
        for (int pages = 1;; ++pages) {
            const auto page = r.json();
            for (const auto& j : page.value("tasks", nlohmann::json::array())) {
                const Task t = task_from_json(j);
                std::string error = t.error ? t.error->type + ": " + t.error->message : "";
                if (error.size() > 60) error = error.substr(0, 57) + "...";
                rows.push_back({t.id, t.kind, std::string(to_string(t.state)),
                                std::to_string(t.attempt) + "/" + std::to_string(t.max_attempts),
                                describe_progress(t.progress), j.value("created_at", ""), error});
            }
            if (rows.size() > o.limit || !page["next_cursor"].is_string() || pages == 20) break;
            ApiRequest next{.target = target + "&cursor=" + page["next_cursor"].get<std::string>()};
            r = co_await api.send(std::move(next));
            if (r.status != 200) co_return refused(r);
        }
        if (rows.size() > o.limit + 1) rows.resize(o.limit + 1);
        print_table(rows);
        co_return exit_code::succeeded;
    });
}

namespace {
/// "2 at once, 1 per key, 100/s, 1/m per key": what a kind's /v1/kinds entry limits; empty: nothing.
std::string describe_limits(const nlohmann::json& kind) {
    std::vector<std::string> parts;
    if (auto n = kind.value("max_concurrency", 0); n > 0) parts.push_back(std::to_string(n) + " at once");
    if (auto n = kind.value("key_concurrency", 0); n > 0) parts.push_back(std::to_string(n) + " per key at once");
    if (kind.contains("rate") && kind["rate"].is_string()) parts.push_back(kind["rate"].get<std::string>() + " starts");
    if (kind.contains("key_rate") && kind["key_rate"].is_string())
        parts.push_back(kind["key_rate"].get<std::string>() + " starts per key");
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
    return without_controls(out);
}
} // namespace

int list_kinds(const std::string& server, bool json) {
    return run_against(server, [json](ApiClient& api) -> asio::awaitable<int> {
        ApiRequest request{.target = "/v1/kinds"};
        auto r = co_await api.send(std::move(request));
        if (r.status != 200) co_return refused(r);
        if (json) {
            std::printf("%s\n", r.body.c_str());
            co_return exit_code::succeeded;
        }
        for (const auto& k : r.json().value("kinds", nlohmann::json::array())) {
            std::printf("%s%s", k.value("name", "").c_str(), k.value("paused", false) ? "  [paused]" : "");
            if (auto d = k.value("description", ""); !d.empty()) std::printf("  %s", d.c_str());
            std::printf("\n");
            if (auto limits = describe_limits(k); !limits.empty()) std::printf("  limits: %s\n", limits.c_str());
            const auto schema = k.value("params_schema", nlohmann::json::object());
            const auto required = schema.value("required", nlohmann::json::array());
            std::vector<std::vector<std::string>> rows;
            const auto properties = schema.value("properties", nlohmann::json::object());
            // In the kind's order (params_order), as the dashboard's form lists them.
            for (const auto& name : k.value("params_order", std::vector<std::string>{})) {
                if (!properties.contains(name)) continue;
                bool needed = std::find(required.begin(), required.end(), name) != required.end();
                rows.push_back({"  --param " + name + "=…", (needed ? "required " : "") + describe_param(properties[name])});
            }
            print_table(rows);
        }
        co_return exit_code::succeeded;
    });
}

int control_task(const std::string& server, const std::string& id, const std::string& action) {
    if (!is_task_id(id)) {
        std::fprintf(stderr, "taskstream: '%s' is not a task id\n", id.c_str());
        return exit_code::usage;
    }
    return run_against(server, [&id, &action](ApiClient& api) -> asio::awaitable<int> {
        ApiRequest request{.method = verb::post, .target = "/v1/tasks/" + id + "/" + action};
        auto r = co_await api.send(std::move(request));
        if (r.status != 202) co_return refused(r);
        // The answer holds the task as the request found it: a cancel that has not
        // landed yet is "cancelling", not the state it is leaving.
        std::string state = r.json().value("state", "");
        const auto parsed = parse_task_state(state);
        if (action == "cancel" && parsed && !is_terminal(*parsed)) state = "cancelling";
        std::printf("%s %s\n", id.c_str(), state.c_str());
        co_return exit_code::succeeded;
    });
}

int delete_task(const std::string& server, const std::string& id) {
    if (!is_task_id(id)) {
        std::fprintf(stderr, "taskstream: '%s' is not a task id\n", id.c_str());
        return exit_code::usage;
    }
    return run_against(server, [&id](ApiClient& api) -> asio::awaitable<int> {
        ApiRequest request{.method = verb::delete_, .target = "/v1/tasks/" + id};
        auto r = co_await api.send(std::move(request));
        if (r.status != 204) co_return refused(r);
        std::printf("%s deleted\n", id.c_str());
        co_return exit_code::succeeded;
    });
}

int queue_command(const std::string& server, const std::string& action, bool json) {
    return run_against(server, [&action, json](ApiClient& api) -> asio::awaitable<int> {
        ApiRequest request{.method = action == "status" ? verb::get : verb::post, .target = "/v1/admin/" + action};
        auto r = co_await api.send(std::move(request));
        if (r.status != 200) co_return refused(r);
        if (json) {
            std::printf("%s\n", r.body.c_str());
            co_return exit_code::succeeded;
        }
        const auto s = r.json();
        std::printf("%s: %lld running, %lld queued, %lld workers\n", s.value("paused", false) ? "paused" : "taking work",
                    s.value("running", 0LL), s.value("queued", 0LL), s.value("workers", 0LL));
        if (const auto kinds = s.value("paused_kinds", std::vector<std::string>{}); !kinds.empty()) {
            std::string list;
            for (const auto& kind : kinds) list += (list.empty() ? "" : ", ") + kind;
            std::printf("paused kinds: %s\n", list.c_str());
        }
        co_return exit_code::succeeded;
    });
}

int kind_command(const std::string& server, const std::string& kind, const std::string& action, bool json) {
    const bool named = !kind.empty() && kind.size() <= 64 && kind.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_.-") == std::string::npos;
    if (!named) {
        std::fprintf(stderr, "taskstream: '%s' is not a task kind name (see `taskstream kinds`)\n", kind.c_str());
        return exit_code::usage;
    }
    return run_against(server, [&kind, &action, json](ApiClient& api) -> asio::awaitable<int> {
        ApiRequest request{.method = verb::post, .target = "/v1/kinds/" + kind + "/" + action};
        auto r = co_await api.send(std::move(request));
        if (r.status != 200) co_return refused(r);
        if (json) std::printf("%s\n", r.body.c_str());
        else if (r.json().value("paused", false)) std::printf("%s paused: its tasks wait (running ones finish)\n", kind.c_str());
        else std::printf("%s resumed\n", kind.c_str());
        co_return exit_code::succeeded;
    });
}

} // namespace taskstream::cli
