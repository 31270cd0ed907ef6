#include "app/config_file.hpp"

#include <stdexcept>

#include <toml++/toml.h>

#include "core/clock.hpp"

namespace taskstream {

namespace {

using json = nlohmann::json;

json to_json(const toml::node& node) {
    if (auto t = node.as_table()) {
        json out = json::object();
        for (const auto& [k, v] : *t) out[std::string(k.str())] = to_json(v);
        return out;
    }
    if (auto a = node.as_array()) {
        json out = json::array();
        for (const auto& v : *a) out.push_back(to_json(v));
        return out;
    }
    if (auto v = node.value<std::int64_t>(); v && node.is_integer()) return *v;
    if (auto v = node.value<double>(); v && node.is_floating_point()) return *v;
    if (auto v = node.value<bool>(); v && node.is_boolean()) return *v;
    if (auto v = node.value<std::string>()) return *v;
    return nullptr;
}

[[noreturn]] void fail(const std::filesystem::path& path, const toml::node& where, const std::string& what) {
    throw std::runtime_error(path.string() + ":" + std::to_string(where.source().begin.line) + ": " + what);
}

std::string required_string(const std::filesystem::path& path, const toml::table& t, const char* key) {
    auto v = t[key].value<std::string>();
    if (!v || v->empty()) fail(path, t, std::string("needs a string '") + key + "'");
    return *v;
}

/// "{config_dir}" in an argv element: the config file's directory, so that
/// scripts can sit next to it whatever the server's working directory.
std::string with_config_dir(std::string element, const std::filesystem::path& path) {
    const std::string token = "{config_dir}";
    const std::string dir = std::filesystem::absolute(path).parent_path().string();
    for (auto pos = element.find(token); pos != std::string::npos; pos = element.find(token, pos + dir.size()))
        element.replace(pos, token.size(), dir);
    return element;
}

CommandSpec command_from(const std::filesystem::path& path, const toml::table& t) {
    CommandSpec c;
    c.name = required_string(path, t, "name");
    c.description = t["description"].value_or(std::string());
    auto argv = t["argv"].as_array();
    if (!argv || argv->empty()) fail(path, t, "command '" + c.name + "' needs argv = [\"program\", …]");
    for (const auto& a : *argv) {
        auto s = a.value<std::string>();
        if (!s) fail(path, a, "argv elements are strings");
        c.argv.push_back(with_config_dir(*s, path));
    }
    if (auto p = t["params"].as_table()) c.params_schema = to_json(*p);
    c.cwd = t["cwd"].value_or(std::string());
    if (auto env = t["env"].as_table())
        for (const auto& [k, v] : *env) c.env[std::string(k.str())] = v.value_or(std::string());
    c.timeout = std::chrono::seconds(t["timeout_s"].value_or(3600));
    c.max_retries = t["max_retries"].value_or(0);
    if (auto codes = t["retryable_exit_codes"].as_array())
        for (const auto& code : *codes) c.retryable_exit_codes.insert(code.value_or(-1));
    c.concurrency = static_cast<std::size_t>(t["concurrency"].value_or(0));
    c.kill_grace = std::chrono::milliseconds(static_cast<std::int64_t>(t["kill_grace_s"].value_or(5.0) * 1000));
    return c;
}

ScheduleSpec schedule_from(const std::filesystem::path& path, const toml::table& t, std::size_t index) {
    ScheduleSpec s;
    s.kind = required_string(path, t, "kind");
    s.name = t["name"].value_or(s.kind + "#" + std::to_string(index));
    if (auto p = t["params"].as_table()) s.params = to_json(*p);
    s.priority = t["priority"].value_or(0);
    auto every = t["every"].value<std::string>();
    auto cron = t["cron"].value<std::string>();
    if (every.has_value() == cron.has_value()) fail(path, t, "schedule '" + s.name + "' needs one of every or cron");
    if (every) {
        s.every = parse_duration(*every);
        if (!s.every) fail(path, t, "schedule '" + s.name + "': every = \"" + *every + "\" is not like 30s, 5m, 1h");
    } else {
        std::string error;
        s.cron = CronExpression::parse(*cron, error);
        if (!s.cron) fail(path, t, "schedule '" + s.name + "': " + error);
    }
    return s;
}

} // namespace

StructuredConfig load_structured_config(const std::filesystem::path& path) {
    toml::table root;
    try {
        root = toml::parse_file(path.string());
    } catch (const toml::parse_error& e) {
        throw std::runtime_error(path.string() + ":" + std::to_string(e.source().begin.line) + ": " +
                                 std::string(e.description()));
    }
    StructuredConfig config;
    if (auto commands = root["command"].as_array())
        for (const auto& c : *commands) {
            if (!c.is_table()) fail(path, c, "[[command]] entries are tables");
            config.commands.push_back(command_from(path, *c.as_table()));
        }
    if (auto schedules = root["schedule"].as_array())
        for (const auto& s : *schedules) {
            if (!s.is_table()) fail(path, s, "[[schedule]] entries are tables");
            config.schedules.push_back(schedule_from(path, *s.as_table(), config.schedules.size()));
        }
    if (auto w = root["webhooks"].as_table()) {
        config.webhooks.secret = (*w)["secret"].value_or(std::string());
        if (auto allow = (*w)["allow"].as_array())
            for (const auto& a : *allow) config.webhooks.allow.push_back(a.value_or(std::string()));
        config.webhooks.max_attempts = (*w)["max_attempts"].value_or(8);
        config.webhooks.backoff_base = std::chrono::milliseconds((*w)["backoff_base_ms"].value_or(1000));
        config.webhooks.backoff_max = std::chrono::milliseconds((*w)["backoff_max_ms"].value_or(60000));
    }
    return config;
}

} // namespace taskstream
