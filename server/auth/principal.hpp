// Principal: who a request acts for and what its token allows — the topics it
// may subscribe and publish to, the kinds it may create, and whether it may
// control tasks or administer the server. Without authentication every request
// acts for `anyone()`, which may do everything.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/outcome.hpp"
#include "model/task.hpp"
#include "model/topic_filter.hpp"

namespace taskstream {

struct Principal {
    std::string subject;                 // the token's sub; empty for anyone()
    std::vector<std::string> subscribe;  // topic patterns, as in GET /v1/events ("orders/*", "*")
    std::vector<std::string> publish;
    std::vector<std::string> create;     // task kinds, or "*"
    bool control = false;                // cancel, retry and delete of the tasks it may see
    bool admin = false;                  // pause, resume, status, metrics, and every subject's tasks
    std::int64_t expires_at_ms = 0;      // the credential's end (exp); 0: never

    /// Without authentication: every scope, no subject, no end.
    static const Principal& anyone();

    /// Every topic and pattern of `filter` lies inside a subscribe pattern.
    bool may_subscribe(const TopicFilter& filter) const;
    bool may_publish(std::string_view topic) const;
    bool may_create(std::string_view kind) const;
    /// Its own tasks, or any with admin.
    bool may_see(const Task& task) const;
    bool may_control(const Task& task) const { return may_see(task) && (control || admin); }
    /// The owner to which lists and multiplexed streams are narrowed; nullopt: every task.
    std::optional<std::string> task_scope() const;
};

/// Whether a NumericDate claim (exp, nbf, iat) is a number of seconds from 1970 to
/// 9999: the range in which every conversion of it, ours and the JWT library's, is defined.
bool is_time_in_range(const nlohmann::json& value);

/// The principal a verified token's claims describe: `sub` (required), `exp`, and
/// the `taskstream` object {subscribe, publish, create, control, admin}.
/// Unauthenticated (with the reason) when a claim has the wrong shape.
Outcome<Principal> principal_from_claims(const nlohmann::json& claims);

/// True when `granted` (a pattern: exact, "prefix/*" or "*") covers every topic
/// `wanted` can name (an exact topic, or the prefix of a pattern when `is_prefix`).
bool pattern_covers(std::string_view granted, std::string_view wanted, bool is_prefix);

} // namespace taskstream
