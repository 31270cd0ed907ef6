// The operator's reading commands: `taskstream stats`, the task history (GET /v1/stats)
// as a table, a row per kind and step that saw anything: counts, and queue wait and run
// time percentiles; `taskstream failures`, the failed tasks by kind and error type.
#include <cstdio>

#include "cli/client_commands.hpp"
#include "cli/command_runner.hpp"
#include "cli/exit_codes.hpp"
#include "cli/filter_options.hpp"
#include "cli/output.hpp"
#include "cli/param_values.hpp"
#include "core/clock.hpp"
#include "core/text.hpp"

namespace taskstream::cli {

namespace asio = boost::asio;

namespace {

/// "30m", "24h", "7d", "90s": seconds; a UsageError otherwise.
std::int64_t seconds_of(const std::string& text, const char* flag) {
    std::size_t used = 0;
    long long n = 0;
    try {
        n = std::stoll(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    const std::string unit = text.substr(used);
    const long long scale = unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : unit == "d" ? 86400 : 0;
    if (used == 0 || n <= 0 || scale == 0)
        throw UsageError(std::string(flag) + " " + text + ": give a duration such as 90s, 30m, 24h or 7d");
    return n * scale;
}

/// "1.2s/3.4s": two percentiles of a point, "-" without one.
std::string percentiles(const nlohmann::json& point, const char* p50, const char* p95) {
    auto one = [&](const char* name) {
        const auto& v = point[name];
        return v.is_number() ? format_run_time(static_cast<std::int64_t>(v.get<double>() + 0.5)) : std::string("-");
    };
    return one(p50) + "/" + one(p95);
}

} // namespace

int show_stats(const std::string& server, const StatsOptions& o) {
    return run_against(server, [&o](ApiClient& api) -> asio::awaitable<int> {
        const auto now = now_ms();
        std::string target = "/v1/stats?from=" + query_value(format_rfc3339(now - seconds_of(o.since, "--since") * 1000)) +
                             "&to=" + query_value(format_rfc3339(now)) + "&step=" +
                             std::to_string(seconds_of(o.step, "--step"));
        if (!o.kind.empty()) target += "&kind=" + query_value(o.kind);
        ApiRequest request{.target = target};
        auto r = co_await api.send(std::move(request));
        if (r.status != 200) co_return refused(r);
        if (o.json) {
            std::printf("%s\n", r.body.c_str());
            co_return exit_code::succeeded;
        }
        std::vector<std::vector<std::string>> rows{
            {"TIME", "KIND", "CREATED", "STARTED", "SUCCEEDED", "FAILED", "CANCELLED", "EXPIRED", "WAIT p50/p95", "RUN p50/p95"}};
        const auto body = r.json();
        for (const auto& series : body["kinds"])
            for (const auto& p : series["points"]) {
                std::vector<std::string> row{p["at"].get<std::string>().substr(0, 16), series["kind"]};
                std::int64_t any = 0;
                for (const char* c : {"created", "started", "succeeded", "failed", "cancelled", "expired"}) {
                    any += p[c].get<std::int64_t>();
                    row.push_back(std::to_string(p[c].get<std::int64_t>()));
                }
                if (any == 0) continue;
                row.push_back(percentiles(p, "wait_p50_ms", "wait_p95_ms"));
                row.push_back(percentiles(p, "run_p50_ms", "run_p95_ms"));
                rows.push_back(std::move(row));
            }
        if (rows.size() == 1) std::printf("no task history from %s to %s\n", body["from"].get<std::string>().c_str(),
                                          body["to"].get<std::string>().c_str());
        else print_table(rows);
        co_return exit_code::succeeded;
    });
}

int show_failures(const std::string& server, const FailuresOptions& o) {
    return run_against(server, [&o](ApiClient& api) -> asio::awaitable<int> {
        std::string query = filter_query(o.filter);
        ApiRequest request{.target = "/v1/failures" + (query.empty() ? "" : "?" + query.substr(1))};
        auto r = co_await api.send(std::move(request));
        if (r.status != 200) co_return refused(r);
        if (o.json) {
            std::printf("%s\n", r.body.c_str());
            co_return exit_code::succeeded;
        }
        const auto body = r.json();
        if (body["groups"].empty()) {
            std::printf("no failed tasks\n");
            co_return exit_code::succeeded;
        }
        std::vector<std::vector<std::string>> rows{{"COUNT", "KIND", "ERROR TYPE", "LAST FAILED", "LAST MESSAGE"}};
        for (const auto& g : body["groups"]) {
            std::string message = without_controls(g["last_message"].get<std::string>());
            if (message.size() > 60) message = message.substr(0, 57) + "...";
            rows.push_back({std::to_string(g["count"].get<std::size_t>()), g["kind"], g["error_type"],
                            g["last_failed_at"].get<std::string>().substr(0, 19), message});
        }
        print_table(rows);
        if (!body["complete"].get<bool>())
            std::printf("(the newest %zu failed tasks were read: narrow it with --created-after)\n", body["read"].get<std::size_t>());
        std::printf("retry a group: taskstream bulk retry --state failed --kind KIND --error-type TYPE\n");
        co_return exit_code::succeeded;
    });
}

} // namespace taskstream::cli
