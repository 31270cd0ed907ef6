// ActiveDedupeKeys: dedupe keys looked up in memory, for a server that has every
// unfinished task in ActiveTasks (one server on its own store): no read of the store
// per create. The store keeps the key with the row all the same, for a restart.
#pragma once

#include "store/store.hpp"
#include "tasks/active_tasks.hpp"

namespace taskstream {

class ActiveDedupeKeys final : public DedupeKeys {
public:
    explicit ActiveDedupeKeys(const ActiveTasks& active) : active_(active) {}

    std::optional<std::string> load_dedupe(const std::string& kind, const std::string& owner,
                                           const std::string& key) override {
        return active_.find_dedupe(kind, owner, key);
    }

private:
    const ActiveTasks& active_;
};

} // namespace taskstream
