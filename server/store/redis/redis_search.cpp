// RedisStore, finding tasks: the list with its filters, counts by state, and the
// search terms (tags, metadata) each task is indexed by (P:tasks:term:<sha256>).
#include <algorithm>

#include "core/digest.hpp"
#include "model/task_labels.hpp"
#include "store/redis/redis_checked.hpp"
#include "store/redis/redis_store.hpp"

namespace taskstream {
namespace {

bool found_by_all(const Task& t, const std::vector<std::string>& terms) {
    const auto has = search_terms(t);  // sorted
    return std::all_of(terms.begin(), terms.end(),
                       [&has](const std::string& term) { return std::binary_search(has.begin(), has.end(), term); });
}

} // namespace

std::string RedisClientKeys::term(std::string_view term) const {
    return redis_key(prefix, "tasks:term:" + sha256_hex(term));
}

void RedisStore::add_term_keys(RedisCommand& index, const Task& t) const {
    if (!has_search_terms(t)) return;
    for (const auto& term : search_terms(t)) index.push_back(client_keys_.term(term));  // no end term: it is queued
}

void RedisStore::remove_term_keys(std::vector<RedisCommand>& tx, const Task& t) const {
    for (const auto& term : search_terms(t)) tx.push_back({"ZREM", client_keys_.term(term), t.id});
}

/// The term whose index is smallest (one round trip, ZCARD each): the walk that reads fewest rows.
std::string RedisStore::rarest_term(const std::vector<std::string>& terms) {
    if (terms.size() < 2) return terms.front();
    std::vector<RedisCommand> sizes;
    for (const auto& term : terms) sizes.push_back({"ZCARD", client_keys_.term(term)});
    auto replies = exec(std::move(sizes));
    std::size_t rarest = 0;
    for (std::size_t i = 1; i < terms.size(); ++i)
        if (checked(replies.at(i), "ZCARD").integer < checked(replies.at(rarest), "ZCARD").integer) rarest = i;
    return terms[rarest];
}

std::vector<Task> RedisStore::list_tasks(const TaskQuery& query) {
    // Walk the most selective index newest first; the other filters are checked on the rows.
    std::string index = key("tasks");
    if (!query.terms.empty()) index = client_keys_.term(rarest_term(query.terms));
    else if (query.owner) index = key("tasks:owner:" + *query.owner);
    else if (query.state) index = key("tasks:state:" + *query.state);
    else if (query.kind) index = key("tasks:kind:" + *query.kind);
    std::string upper = query.before ? "(" + *query.before : "+";
    const std::string lower = query.from ? "[" + *query.from : "-";
    std::vector<Task> out;
    while (out.size() < query.limit) {
        auto r = exec({{"ZREVRANGEBYLEX", index, upper, lower, "LIMIT", "0", std::to_string(kPage)}});
        checked(r.at(0), "ZREVRANGEBYLEX");
        std::vector<std::string> ids;
        for (const auto& item : r[0].items) ids.push_back(item.text);
        for (auto& t : load_tasks(ids)) {
            if (query.state && to_string(t.state) != *query.state) continue;
            if (query.kind && t.kind != *query.kind) continue;
            if (query.owner && t.owner != *query.owner) continue;
            if (!query.terms.empty() && !found_by_all(t, query.terms)) continue;
            out.push_back(std::move(t));
            if (out.size() == query.limit) break;
        }
        if (ids.size() < kPage) break;
        upper = "(" + ids.back();
    }
    return out;
}

std::map<std::string, std::size_t> RedisStore::count_tasks(const TaskQuery& query) {
    // Per state: the size of its index, or of its intersection with the kind's and owner's.
    std::vector<RedisCommand> commands;
    for (auto state : kTaskStates) {
        std::vector<std::string> keys{key("tasks:state:" + std::string(to_string(state)))};
        if (query.kind) keys.push_back(key("tasks:kind:" + *query.kind));
        if (query.owner) keys.push_back(key("tasks:owner:" + *query.owner));
        RedisCommand command{"ZINTERCARD", std::to_string(keys.size())};
        command.insert(command.end(), keys.begin(), keys.end());
        commands.push_back(std::move(command));
    }
    auto replies = exec(std::move(commands));
    std::map<std::string, std::size_t> counts;
    for (std::size_t i = 0; i < replies.size(); ++i) {
        checked(replies[i], "ZINTERCARD");
        if (replies[i].integer > 0) counts[std::string(to_string(kTaskStates[i]))] = static_cast<std::size_t>(replies[i].integer);
    }
    return counts;
}

} // namespace taskstream
