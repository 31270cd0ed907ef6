#include "cli/param_values.hpp"

#include <charconv>

namespace taskstream::cli {

namespace {

/// The JSON type the schema gives `key` ("" when it says none).
std::string type_of(const nlohmann::json& schema, const std::string& key) {
    if (!schema.is_object()) return "";
    auto props = schema.find("properties");
    if (props == schema.end() || !props->is_object() || !props->contains(key)) return "";
    const auto& type = (*props)[key].value("type", nlohmann::json());
    if (type.is_string()) return type.get<std::string>();
    if (type.is_array())  // ["integer", "null"]: the first that is not null
        for (const auto& t : type)
            if (t.is_string() && t != "null") return t.get<std::string>();
    return "";
}

nlohmann::json typed(const std::string& key, const std::string& text, const std::string& type) {
    auto fail = [&](const std::string& what) {
        return UsageError("--param " + key + "=" + text + ": " + what);
    };
    if (type == "integer") {
        long long n = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
        if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) throw fail("not an integer");
        return n;
    }
    if (type == "number") {
        auto j = nlohmann::json::parse(text, nullptr, false);
        if (!j.is_number()) throw fail("not a number");
        return j;
    }
    if (type == "boolean") {
        if (text == "true" || text == "1" || text == "yes") return true;
        if (text == "false" || text == "0" || text == "no") return false;
        throw fail("not true or false");
    }
    if (type == "array" || type == "object") {
        auto j = nlohmann::json::parse(text, nullptr, false);
        if (type == "array" && !j.is_array()) {
            if (!j.is_discarded() || text.starts_with("[")) throw fail("not a JSON array");
            return nlohmann::json::array({text});  // files=a.txt: a list of one
        }
        if (type == "object" && !j.is_object()) throw fail("not a JSON object");
        return j;
    }
    return text;  // strings, and anything the schema does not type
}

} // namespace

nlohmann::json params_from_arguments(const std::vector<std::string>& pairs, const std::string& params_json,
                                     const nlohmann::json& schema) {
    nlohmann::json params = nlohmann::json::object();
    if (!params_json.empty()) {
        params = nlohmann::json::parse(params_json, nullptr, false);
        if (!params.is_object()) throw UsageError("--params-json: not a JSON object");
    }
    for (const auto& pair : pairs) {
        const auto eq = pair.find('=');
        if (eq == std::string::npos || eq == 0) throw UsageError("--param " + pair + ": expected KEY=VALUE");
        const std::string key = pair.substr(0, eq), text = pair.substr(eq + 1), type = type_of(schema, key);
        auto value = typed(key, text, type);
        // --param files=a --param files=b: plain values of an array param add up.
        if (type == "array" && !text.starts_with("[") && params.contains(key) && params[key].is_array())
            params[key].push_back(value[0]);
        else
            params[key] = std::move(value);
    }
    return params;
}

nlohmann::json metadata_from_arguments(const std::vector<std::string>& pairs) {
    auto metadata = nlohmann::json::object();
    for (const auto& pair : pairs) {
        const auto eq = pair.find('=');
        if (eq == std::string::npos || eq == 0) throw UsageError("--meta " + pair + ": give KEY=VALUE");
        const auto text = pair.substr(eq + 1);
        auto value = nlohmann::json::parse(text, nullptr, false);
        metadata[pair.substr(0, eq)] = value.is_number() || value.is_boolean() ? value : nlohmann::json(text);
    }
    return metadata;
}

} // namespace taskstream::cli
