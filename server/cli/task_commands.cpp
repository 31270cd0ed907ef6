// `taskstream tasks`, `kinds`, `cancel` and `retry`: one request each, printed as a table or a line.
#include <cstdio>

#include "cli/client_commands.hpp"
#include "cli/command_runner.hpp"
#include "cli/exit_codes.hpp"
#include "cli/param_values.hpp"
#include "cli/progress_line.hpp"
#include "core/ids.hpp"
#include "model/task.hpp"

namespace taskstream::cli {

namespace asio = boost::asio;
using boost::beast::http::verb;

namespace {

/// Rows of cells printed in columns as wide as their widest cell.
void print_table(const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> widths;
    for (const auto& row : rows)
        for (std::size_t i = 0; i < row.size(); ++i) {
            if (widths.size() <= i) widths.push_back(0);
            widths[i] = std::max(widths[i], row[i].size());
        }
    for (const auto& row : rows) {
        std::string line;
        for (std::size_t i = 0; i < row.size(); ++i) {
            line += row[i];
            if (i + 1 < row.size()) line.append(widths[i] - row[i].size() + 2, ' ');
        }
        std::printf("%s\n", line.c_str());
    }
}

int refused(const ApiResponse& r) {
    std::fprintf(stderr, "taskstream: %s\n", r.problem_text().c_str());
    return r.status == 400 ? exit_code::usage : exit_code::failed;
}

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
        std::string target = "/v1/tasks?limit=" + std::to_string(o.limit);
        if (!o.state.empty()) target += "&state=" + query_value(o.state);
        if (!o.kind.empty()) target += "&kind=" + query_value(o.kind);
        ApiRequest request{.target = target};
        auto r = co_await api.send(std::move(request));
        if (r.status != 200) co_return refused(r);
        if (o.json) {
            std::printf("%s\n", r.body.c_str());
            co_return exit_code::succeeded;
        }
        std::vector<std::vector<std::string>> rows{{"ID", "KIND", "STATE", "ATTEMPT", "PROGRESS", "CREATED"}};
        for (const auto& j : r.json().value("tasks", nlohmann::json::array())) {
            const Task t = task_from_json(j);
            rows.push_back({t.id, t.kind, std::string(to_string(t.state)),
                            std::to_string(t.attempt) + "/" + std::to_string(t.max_attempts),
                            describe_progress(t.progress), j.value("created_at", "")});
        }
        print_table(rows);
        co_return exit_code::succeeded;
    });
}

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
            std::printf("%s", k.value("name", "").c_str());
            if (auto d = k.value("description", ""); !d.empty()) std::printf("  %s", d.c_str());
            std::printf("\n");
            const auto schema = k.value("params_schema", nlohmann::json::object());
            const auto required = schema.value("required", nlohmann::json::array());
            std::vector<std::vector<std::string>> rows;
            const auto properties = schema.value("properties", nlohmann::json::object());
            for (const auto& [name, param] : properties.items()) {
                bool needed = std::find(required.begin(), required.end(), name) != required.end();
                rows.push_back({"  --param " + name + "=…", (needed ? "required " : "") + describe_param(param)});
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
        std::printf("%s %s\n", id.c_str(), r.json().value("state", "").c_str());
        co_return exit_code::succeeded;
    });
}

} // namespace taskstream::cli
