#include "tasks/schema_validator.hpp"

#include <algorithm>
#include <cmath>
#include <set>

namespace taskstream {
namespace {

using json = nlohmann::json;

std::string escape_pointer_token(const std::string& token) {
    std::string out;
    for (char c : token) {
        if (c == '~') out += "~0";
        else if (c == '/') out += "~1";
        else out += c;
    }
    return out;
}

bool has_type(const json& value, const std::string& type) {
    if (type == "object") return value.is_object();
    if (type == "array") return value.is_array();
    if (type == "string") return value.is_string();
    if (type == "boolean") return value.is_boolean();
    if (type == "null") return value.is_null();
    if (type == "number") return value.is_number();
    if (type == "integer") {
        if (value.is_number_integer()) return true;
        if (!value.is_number_float()) return false;
        double d = value.get<double>();
        return std::isfinite(d) && std::floor(d) == d;
    }
    return false;
}

class Validator {
public:
    std::vector<SchemaViolation> violations;

    void check(const json& schema, json& value, const std::string& ptr) {
        if (!schema.is_object()) return;
        if (!check_type(schema, value, ptr)) return;
        check_enum(schema, value, ptr);
        if (value.is_number()) check_number(schema, value.get<double>(), ptr);
        if (value.is_string()) check_string(schema, value.get_ref<const std::string&>(), ptr);
        if (value.is_object()) check_object(schema, value, ptr);
        if (value.is_array()) check_array(schema, value, ptr);
    }

private:
    void fail(const std::string& ptr, std::string message) { violations.push_back({ptr, std::move(message)}); }

    bool check_type(const json& schema, const json& value, const std::string& ptr) {
        auto it = schema.find("type");
        if (it == schema.end()) return true;
        std::vector<std::string> types;
        if (it->is_string()) types.push_back(it->get<std::string>());
        else if (it->is_array())
            for (const auto& t : *it) types.push_back(t.get<std::string>());
        for (const auto& t : types)
            if (has_type(value, t)) return true;
        fail(ptr, "must be of type " + it->dump());
        return false;
    }

    void check_enum(const json& schema, const json& value, const std::string& ptr) {
        if (auto it = schema.find("enum"); it != schema.end() && it->is_array()) {
            bool found = false;
            for (const auto& option : *it) found = found || option == value;
            if (!found) fail(ptr, "must be one of " + it->dump());
        }
        if (auto it = schema.find("const"); it != schema.end() && *it != value)
            fail(ptr, "must be " + it->dump());
    }

    void check_number(const json& schema, double v, const std::string& ptr) {
        auto bound = [&](const char* key) -> const json* {
            auto it = schema.find(key);
            return it != schema.end() && it->is_number() ? &*it : nullptr;
        };
        if (auto b = bound("minimum"); b && v < b->get<double>()) fail(ptr, "must be ≥ " + b->dump());
        if (auto b = bound("maximum"); b && v > b->get<double>()) fail(ptr, "must be ≤ " + b->dump());
        if (auto b = bound("exclusiveMinimum"); b && v <= b->get<double>()) fail(ptr, "must be > " + b->dump());
        if (auto b = bound("exclusiveMaximum"); b && v >= b->get<double>()) fail(ptr, "must be < " + b->dump());
    }

    void check_string(const json& schema, const std::string& s, const std::string& ptr) {
        // Length in code points, as JSON Schema counts it.
        std::size_t length = 0;
        for (unsigned char c : s) length += (c & 0xC0) != 0x80;
        if (auto it = schema.find("minLength"); it != schema.end() && length < it->get<std::size_t>())
            fail(ptr, "must have at least " + it->dump() + " characters");
        if (auto it = schema.find("maxLength"); it != schema.end() && length > it->get<std::size_t>())
            fail(ptr, "must have at most " + it->dump() + " characters");
    }

    void check_object(const json& schema, json& value, const std::string& ptr) {
        const json empty = json::object();
        const json& props = schema.contains("properties") ? schema["properties"] : empty;
        for (auto it = props.begin(); it != props.end(); ++it)
            if (!value.contains(it.key()) && it->is_object() && it->contains("default"))
                value[it.key()] = (*it)["default"];
        if (auto req = schema.find("required"); req != schema.end() && req->is_array())
            for (const auto& name : *req)
                if (!value.contains(name.get<std::string>()))
                    fail(ptr + "/" + escape_pointer_token(name.get<std::string>()), "is required");
        bool closed = schema.value("additionalProperties", true) == false;
        for (auto it = value.begin(); it != value.end(); ++it) {
            std::string child = ptr + "/" + escape_pointer_token(it.key());
            if (props.contains(it.key())) check(props[it.key()], it.value(), child);
            else if (closed) fail(child, "is not an allowed property");
        }
    }

    void check_array(const json& schema, json& value, const std::string& ptr) {
        if (auto it = schema.find("minItems"); it != schema.end() && value.size() < it->get<std::size_t>())
            fail(ptr, "must have at least " + it->dump() + " items");
        if (auto it = schema.find("maxItems"); it != schema.end() && value.size() > it->get<std::size_t>())
            fail(ptr, "must have at most " + it->dump() + " items");
        if (auto items = schema.find("items"); items != schema.end() && items->is_object())
            for (std::size_t i = 0; i < value.size(); ++i) check(*items, value[i], ptr + "/" + std::to_string(i));
    }
};

const std::set<std::string>& known_keywords() {
    static const std::set<std::string> k = {
        "type",    "properties", "required",  "additionalProperties", "minimum",  "maximum",
        "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "enum", "const",
        "items",   "minItems",   "maxItems",  "default", "description", "title", "$schema", "examples"};
    return k;
}

void check_schema_into(const json& schema, const std::string& where, std::vector<std::string>& out) {
    if (!schema.is_object()) {
        out.push_back(where + ": a schema must be an object");
        return;
    }
    for (auto it = schema.begin(); it != schema.end(); ++it)
        if (!known_keywords().count(it.key())) out.push_back(where + ": unsupported keyword '" + it.key() + "'");
    // Each keyword's shape, so that validation can rely on it (found by fuzz_task_body:
    // "properties": false made the check itself throw).
    auto shape = [&](const char* keyword, bool ok, const char* what) {
        if (schema.contains(keyword) && !ok) out.push_back(where + ": '" + keyword + "' must be " + what);
    };
    auto all_strings = [](const json& list) {
        return list.is_array() && std::all_of(list.begin(), list.end(), [](const json& e) { return e.is_string(); });
    };
    auto count = [&](const char* keyword) {
        const auto it = schema.find(keyword);
        return it == schema.end() || it->is_number_unsigned() || (it->is_number_integer() && it->get<std::int64_t>() >= 0);
    };
    shape("type", schema.value("type", json()).is_string() || all_strings(schema.value("type", json())),
          "a type name or a list of them");
    shape("properties", schema.value("properties", json()).is_object(), "an object of schemas");
    shape("required", all_strings(schema.value("required", json())), "a list of property names");
    shape("enum", schema.value("enum", json()).is_array(), "a list");
    shape("additionalProperties", schema.value("additionalProperties", json()).is_boolean(), "true or false");
    for (const char* bound : {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"})
        shape(bound, schema.value(bound, json()).is_number(), "a number");
    for (const char* limit : {"minLength", "maxLength", "minItems", "maxItems"})
        shape(limit, count(limit), "a whole number, 0 or more");
    if (auto p = schema.find("properties"); p != schema.end() && p->is_object())
        for (auto it = p->begin(); it != p->end(); ++it) check_schema_into(*it, where + "/" + it.key(), out);
    if (auto items = schema.find("items"); items != schema.end()) check_schema_into(*items, where + "/items", out);
}

} // namespace

std::vector<SchemaViolation> validate_against_schema(const nlohmann::json& schema, nlohmann::json& value) {
    Validator v;
    v.check(schema, value, "");
    return std::move(v.violations);
}

nlohmann::json violations_to_json(const std::vector<SchemaViolation>& violations) {
    auto list = nlohmann::json::array();
    for (const auto& v : violations) list.push_back({{"pointer", v.pointer}, {"detail", v.message}});
    return list;
}

std::vector<std::string> check_schema(const nlohmann::json& schema) {
    std::vector<std::string> out;
    check_schema_into(schema, "#", out);
    return out;
}

} // namespace taskstream
