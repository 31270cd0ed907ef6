#include "app/config_file.hpp"

#include <algorithm>
#include <set>

#include <CLI/CLI.hpp>
#include <toml++/toml.h>

#include "app/options.hpp"
#include "tasks/start_rate.hpp"

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

std::size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = up;
        }
    }
    return row[b.size()];
}

/// " (did you mean 'data-dir'?)" for a near miss: dashes for underscores, or a typo or two.
std::string suggestion(const std::string& key, const std::vector<std::string>& known) {
    std::string dashed = key;
    std::replace(dashed.begin(), dashed.end(), '_', '-');
    const std::string* best = nullptr;
    std::size_t best_distance = 3;
    for (const auto& k : known) {
        const std::size_t d = k == dashed ? 0 : edit_distance(key, k);
        if (d < best_distance) best = &k, best_distance = d;
    }
    return best ? " (did you mean '" + *best + "'?)" : "";
}

/// Reads one file: every error says where.
class Reader {
public:
    explicit Reader(std::filesystem::path path) : path_(std::move(path)) {}

    [[noreturn]] void fail(const toml::node& where, const std::string& what) const {
        throw ConfigError(path_.string() + ":" + std::to_string(where.source().begin.line) + ": " + what);
    }

    /// Refuses any key of `table` outside `allowed`.
    void only_keys(const toml::table& table, const std::string& section, const std::vector<std::string>& allowed) const {
        for (const auto& [k, v] : table) {
            const std::string key(k.str());
            if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
                fail(v, "unknown key '" + key + "' in " + section + suggestion(key, allowed));
        }
    }

    std::optional<std::string> string(const toml::table& t, const std::string& section, const char* key,
                                      bool required) const {
        const toml::node* node = t.get(key);
        if (!node) {
            if (required) fail(t, section + " needs " + key + " = \"…\"");
            return std::nullopt;
        }
        if (!node->is_string()) fail(*node, section + ": " + key + " must be a string");
        auto v = *node->value<std::string>();
        if (required && v.empty()) fail(*node, section + ": " + key + " must not be empty");
        return v;
    }

    std::int64_t integer(const toml::table& t, const std::string& section, const char* key, std::int64_t fallback,
                         std::int64_t min, std::int64_t max) const {
        const toml::node* node = t.get(key);
        if (!node) return fallback;
        if (!node->is_integer()) fail(*node, section + ": " + key + " must be an integer");
        const auto v = *node->value<std::int64_t>();
        if (v < min || v > max)
            fail(*node, section + ": " + key + " = " + std::to_string(v) + " is outside " + std::to_string(min) +
                            " to " + std::to_string(max));
        return v;
    }

    /// "30s", "500ms", … or an integer number of seconds.
    std::chrono::milliseconds duration(const toml::table& t, const std::string& section, const char* key,
                                       std::chrono::milliseconds fallback, std::chrono::milliseconds min,
                                       std::chrono::milliseconds max) const {
        const toml::node* node = t.get(key);
        if (!node) return fallback;
        std::optional<std::chrono::milliseconds> d;
        if (node->is_integer() && *node->value<std::int64_t>() >= 0)
            d = parse_setting_duration(std::to_string(*node->value<std::int64_t>()));
        else if (node->is_string())
            d = parse_setting_duration(*node->value<std::string>());
        if (!d) fail(*node, section + ": " + key + " must be a duration like \"500ms\", \"30s\", \"5m\", \"2h\"");
        if (*d < min || *d > max)
            fail(*node, section + ": " + key + " is outside " + format_setting_duration(min) + " to " +
                            format_setting_duration(max));
        return *d;
    }

    std::vector<std::string> strings(const toml::table& t, const std::string& section, const char* key) const {
        std::vector<std::string> out;
        const toml::node* node = t.get(key);
        if (!node) return out;
        if (!node->is_array()) fail(*node, section + ": " + key + " must be an array of strings");
        for (const auto& element : *node->as_array()) {
            if (!element.is_string()) fail(element, section + ": " + key + " holds strings only");
            out.push_back(*element.value<std::string>());
        }
        return out;
    }

    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

/// The keys of a table as the file lists them (a TOML table, like a JSON object, is
/// kept sorted by name): forms show a command's params in this order.
std::vector<std::string> keys_in_file_order(const toml::node* node) {
    std::vector<std::pair<toml::source_position, std::string>> keys;
    if (const auto* table = node ? node->as_table() : nullptr)
        for (const auto& [k, v] : *table) keys.emplace_back(k.source().begin, std::string(k.str()));
    std::sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) {
        return std::pair(a.first.line, a.first.column) < std::pair(b.first.line, b.first.column);
    });
    std::vector<std::string> out;
    for (auto& [_, name] : keys) out.push_back(std::move(name));
    return out;
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

CommandSpec command_from(const Reader& r, const toml::table& t) {
    r.only_keys(t, "[[command]]",
                {"name", "description", "argv", "params", "cwd", "env", "timeout", "max_retries",
                 "retryable_exit_codes", "concurrency", "key_concurrency", "rate", "key_rate", "kill_grace", "ttl"});
    CommandSpec c;
    c.name = *r.string(t, "[[command]]", "name", true);
    const std::string section = "command '" + c.name + "'";
    c.description = r.string(t, section, "description", false).value_or("");
    for (auto& element : r.strings(t, section, "argv")) c.argv.push_back(with_config_dir(element, r.path()));
    if (c.argv.empty()) r.fail(t, section + " needs argv = [\"program\", …]");
    if (const toml::node* params = t.get("params")) {
        if (!params->is_table()) r.fail(*params, section + ": params must be a table (a JSON Schema)");
        c.params_schema = to_json(*params);
        c.params_order = keys_in_file_order(params->as_table()->get("properties"));
    }
    if (auto problem = argv_problem(c.argv, c.params_schema)) r.fail(t, section + ": " + *problem);
    c.cwd = r.string(t, section, "cwd", false).value_or("");
    if (const toml::node* env = t.get("env")) {
        if (!env->is_table()) r.fail(*env, section + ": env must be a table of strings");
        for (const auto& [k, v] : *env->as_table()) {
            if (!v.is_string()) r.fail(v, section + ": env." + std::string(k.str()) + " must be a string");
            c.env[std::string(k.str())] = *v.value<std::string>();
        }
    }
    c.timeout = std::chrono::duration_cast<std::chrono::seconds>(
        r.duration(t, section, "timeout", std::chrono::hours(1), std::chrono::seconds(1), std::chrono::days(365)));
    c.max_retries = static_cast<int>(r.integer(t, section, "max_retries", 0, 0, 1000));
    if (const toml::node* codes = t.get("retryable_exit_codes")) {
        if (!codes->is_array()) r.fail(*codes, section + ": retryable_exit_codes must be an array of integers");
        for (const auto& code : *codes->as_array()) {
            auto v = code.value<std::int64_t>();
            if (!code.is_integer() || *v < 1 || *v > 255) r.fail(code, section + ": exit codes are integers 1 to 255");
            c.retryable_exit_codes.insert(static_cast<int>(*v));
        }
    }
    c.concurrency = static_cast<std::size_t>(r.integer(t, section, "concurrency", 0, 0, 1 << 20));
    c.key_concurrency = static_cast<std::size_t>(r.integer(t, section, "key_concurrency", 0, 0, 1 << 20));
    for (auto [name, rate] : {std::pair{"rate", &c.rate}, std::pair{"key_rate", &c.key_rate}}) {
        *rate = r.string(t, section, name, false).value_or("");
        if (t.contains(name) && !parse_start_rate(*rate))
            r.fail(*t.get(name), section + ": " + name + " '" + *rate +
                                     "' is not N/s, N/m or N/h (N from 1 to 1000000: at most N starts per interval)");
    }
    if (t.contains("ttl"))
        c.ttl = std::chrono::duration_cast<std::chrono::seconds>(
            r.duration(t, section, "ttl", std::chrono::hours(1), std::chrono::seconds(1), std::chrono::days(365)));
    c.kill_grace = r.duration(t, section, "kill_grace", std::chrono::seconds(5), std::chrono::milliseconds(0),
                              std::chrono::hours(1));
    return c;
}

ScheduleSpec schedule_from(const Reader& r, const toml::table& t, std::size_t index) {
    r.only_keys(t, "[[schedule]]", {"name", "kind", "params", "priority", "every", "cron"});
    ScheduleSpec s;
    s.kind = *r.string(t, "[[schedule]]", "kind", true);
    s.name = r.string(t, "[[schedule]]", "name", false).value_or(s.kind + "#" + std::to_string(index));
    const std::string section = "schedule '" + s.name + "'";
    if (const toml::node* params = t.get("params")) {
        if (!params->is_table()) r.fail(*params, section + ": params must be a table");
        s.params = to_json(*params);
    }
    s.priority = static_cast<int>(r.integer(t, section, "priority", 0, -1000000, 1000000));
    if (t.contains("every") == t.contains("cron")) r.fail(t, section + " needs one of every or cron");
    if (t.contains("every")) {
        s.every = r.duration(t, section, "every", {}, std::chrono::milliseconds(10), std::chrono::days(366));
    } else {
        std::string error;
        s.cron = CronExpression::parse(*r.string(t, section, "cron", true), error);
        if (!s.cron) r.fail(*t.get("cron"), section + ": " + error);
    }
    return s;
}

WebhookOptions webhooks_from(const Reader& r, const toml::table& t) {
    r.only_keys(t, "[webhooks]",
                {"secret", "allow", "allow_internal", "ca_file", "max_attempts", "backoff_base", "backoff_max", "timeout"});
    WebhookOptions w;
    w.secret = r.string(t, "[webhooks]", "secret", false).value_or("");
    w.allow = r.strings(t, "[webhooks]", "allow");
    w.allow_internal = r.strings(t, "[webhooks]", "allow_internal");
    if (auto ca = r.string(t, "[webhooks]", "ca_file", false)) w.ca_file = with_config_dir(*ca, r.path());
    w.max_attempts = static_cast<int>(r.integer(t, "[webhooks]", "max_attempts", w.max_attempts, 1, 1000));
    w.backoff_base = r.duration(t, "[webhooks]", "backoff_base", w.backoff_base, std::chrono::milliseconds(1),
                                std::chrono::hours(24));
    w.backoff_max = r.duration(t, "[webhooks]", "backoff_max", w.backoff_max, w.backoff_base, std::chrono::days(7));
    w.timeout = r.duration(t, "[webhooks]", "timeout", w.timeout, std::chrono::milliseconds(10), std::chrono::minutes(10));
    return w;
}

/// The option a flat key names ("workers" → --workers), or null.
CLI::Option* option_for(CLI::App& app, const std::string& key) {
    for (CLI::Option* option : app.get_options())
        for (const auto& name : option->get_lnames())
            if (name == key && name != "help" && name != "config") return option;
    return nullptr;
}

std::vector<std::string> known_keys(CLI::App& app) {
    std::vector<std::string> keys{"command", "schedule", "webhooks"};
    for (CLI::Option* option : app.get_options())
        for (const auto& name : option->get_lnames())
            if (name != "help" && name != "config") keys.push_back(name);
    return keys;
}

/// The key's TOML value as the option's command-line inputs, checked for type.
std::vector<std::string> inputs_for(const Reader& r, const std::string& key, const toml::node& value,
                                    const CLI::Option& option) {
    const std::string type = option.get_type_name();
    if (option.get_expected_min() == 0) {  // a flag
        if (!value.is_boolean()) r.fail(value, key + " must be true or false");
        return {*value.value<bool>() ? "true" : "false"};
    }
    if (type.starts_with("UINT") || type.starts_with("INT")) {
        if (!value.is_integer()) r.fail(value, key + " must be an integer");
        return {std::to_string(*value.value<std::int64_t>())};
    }
    if (type.starts_with("DURATION")) {
        if (value.is_integer()) return {std::to_string(*value.value<std::int64_t>())};
        if (!value.is_string()) r.fail(value, key + " must be a duration like \"500ms\", \"30s\", \"5m\", \"7d\"");
        return {*value.value<std::string>()};
    }
    if (option.get_items_expected_max() > 1) {
        if (!value.is_array()) r.fail(value, key + " must be an array of strings");
        std::vector<std::string> out;
        for (const auto& element : *value.as_array()) {
            if (!element.is_string()) r.fail(element, key + " holds strings only");
            out.push_back(*element.value<std::string>());
        }
        return out;
    }
    if (!value.is_string()) r.fail(value, key + " must be a string");
    return {*value.value<std::string>()};
}

} // namespace

StructuredConfig load_config_file(const std::filesystem::path& path, CLI::App& app) {
    toml::table root;
    try {
        root = toml::parse_file(path.string());
    } catch (const toml::parse_error& e) {
        throw ConfigError(path.string() + ":" + std::to_string(e.source().begin.line) + ": " +
                          std::string(e.description()) + " (the config file is TOML)");
    }
    const Reader r(path);
    StructuredConfig config;
    const auto known = known_keys(app);
    for (const auto& [k, value] : root) {
        const std::string key(k.str());
        if (key == "command" || key == "schedule") {
            if (!value.is_array_of_tables()) r.fail(value, "write [[" + key + "]] sections (an array of tables)");
            for (const auto& entry : *value.as_array()) {
                if (key == "command") config.commands.push_back(command_from(r, *entry.as_table()));
                else config.schedules.push_back(schedule_from(r, *entry.as_table(), config.schedules.size()));
            }
            continue;
        }
        if (key == "webhooks") {
            if (!value.is_table()) r.fail(value, "write a [webhooks] section");
            config.webhooks = webhooks_from(r, *value.as_table());
            continue;
        }
        if (key == "config") r.fail(value, "a config file cannot name another (--config or TASKSTREAM_CONFIG)");
        CLI::Option* option = option_for(app, key);
        if (!option) {
            const std::string what = value.is_table() ? "unknown section [" + key + "]" : "unknown key '" + key + "'";
            r.fail(value, what + suggestion(key, known));
        }
        if (option->count() > 0) continue;  // a flag or the environment set it: they come first
        auto inputs = inputs_for(r, key, value, *option);
        try {
            option->add_result(inputs);
            option->run_callback();
        } catch (const CLI::Error& e) {
            r.fail(value, key + ": " + e.what());
        }
    }
    return config;
}

} // namespace taskstream
