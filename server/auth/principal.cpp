#include "auth/principal.hpp"

#include <algorithm>

namespace taskstream {

const Principal& Principal::anyone() {
    static const Principal everything{"", {"*"}, {"*"}, {"*"}, true, true, 0};
    return everything;
}

bool pattern_covers(std::string_view granted, std::string_view wanted, bool is_prefix) {
    if (granted.ends_with('*')) {
        granted.remove_suffix(1);  // "orders/" of "orders/*"; "" of "*"
        return wanted.starts_with(granted);
    }
    return !is_prefix && granted == wanted;
}

namespace {

bool any_covers(const std::vector<std::string>& granted, std::string_view wanted, bool is_prefix) {
    return std::any_of(granted.begin(), granted.end(),
                       [&](const std::string& g) { return pattern_covers(g, wanted, is_prefix); });
}

/// A list of strings under `key` of the taskstream claim (absent: empty).
Outcome<std::vector<std::string>> string_list(const nlohmann::json& scope, const char* key) {
    std::vector<std::string> out;
    auto it = scope.find(key);
    if (it == scope.end()) return out;
    if (!it->is_array() || it->size() > 256)
        return make_error(errc::unauthenticated, std::string("the taskstream.") + key + " claim must be a list of strings");
    for (const auto& item : *it) {
        if (!item.is_string() || item.get_ref<const std::string&>().empty() || item.get_ref<const std::string&>().size() > 255)
            return make_error(errc::unauthenticated, std::string("the taskstream.") + key + " claim must be a list of strings");
        out.push_back(item.get<std::string>());
    }
    return out;
}

Outcome<bool> flag(const nlohmann::json& scope, const char* key) {
    auto it = scope.find(key);
    if (it == scope.end()) return false;
    if (!it->is_boolean()) return make_error(errc::unauthenticated, std::string("the taskstream.") + key + " claim must be true or false");
    return it->get<bool>();
}

} // namespace

bool Principal::may_subscribe(const TopicFilter& filter) const {
    return std::all_of(filter.topics.begin(), filter.topics.end(), [&](const auto& t) { return any_covers(subscribe, t, false); }) &&
           std::all_of(filter.prefixes.begin(), filter.prefixes.end(), [&](const auto& p) { return any_covers(subscribe, p, true); });
}

bool Principal::may_publish(std::string_view topic) const { return any_covers(publish, topic, false); }

bool Principal::may_create(std::string_view kind) const {
    return std::any_of(create.begin(), create.end(), [&](const std::string& k) { return k == "*" || k == kind; });
}

bool Principal::may_see(const Task& task) const { return admin || (!subject.empty() && task.owner == subject); }

std::optional<std::string> Principal::task_scope() const {
    if (admin) return std::nullopt;
    return subject;
}

bool is_time_in_range(const nlohmann::json& value) {
    constexpr double kLastSecond = 253402300799.0;  // 9999-12-31T23:59:59Z
    if (!value.is_number()) return false;
    const double seconds = value.get<double>();
    return seconds >= 0.0 && seconds <= kLastSecond;
}

Outcome<Principal> principal_from_claims(const nlohmann::json& claims) {
    Principal p;
    auto sub = claims.find("sub");
    if (sub == claims.end() || !sub->is_string() || sub->get_ref<const std::string&>().empty() ||
        sub->get_ref<const std::string&>().size() > 255)
        return make_error(errc::unauthenticated, "the token needs a sub claim (1 to 255 characters)");
    p.subject = sub->get<std::string>();
    auto exp = claims.find("exp");
    if (exp == claims.end() || !exp->is_number())
        return make_error(errc::unauthenticated, "the token needs an exp claim");
    // Bounded before the conversion: a double past int64 range is undefined behaviour (fuzz_token found it).
    if (!is_time_in_range(*exp))
        return make_error(errc::unauthenticated, "the token's exp claim must be a time between 1970 and 9999");
    p.expires_at_ms = static_cast<std::int64_t>(exp->get<double>() * 1000.0);
    auto scope = claims.find("taskstream");
    if (scope == claims.end()) return p;  // a valid token with no scope: it may only list kinds
    if (!scope->is_object()) return make_error(errc::unauthenticated, "the taskstream claim must be an object");
    auto subscribe = string_list(*scope, "subscribe");
    auto publish = string_list(*scope, "publish");
    auto create = string_list(*scope, "create");
    auto control = flag(*scope, "control");
    auto admin = flag(*scope, "admin");
    if (!subscribe) return subscribe.error();
    if (!publish) return publish.error();
    if (!create) return create.error();
    if (!control) return control.error();
    if (!admin) return admin.error();
    p.subscribe = std::move(subscribe).value();
    p.publish = std::move(publish).value();
    p.create = std::move(create).value();
    p.control = *control;
    p.admin = *admin;
    return p;
}

} // namespace taskstream
