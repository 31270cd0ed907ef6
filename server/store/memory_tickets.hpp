// MemoryTickets: the TicketStore of a server that runs alone — a bounded map in
// this process; expired values are dropped when the map is full.
#pragma once

#include <cstddef>
#include <mutex>
#include <unordered_map>

#include "store/ticket_store.hpp"

namespace taskstream {

class MemoryTickets final : public TicketStore {
public:
    explicit MemoryTickets(std::size_t capacity) : capacity_(capacity) {}

    bool put(const std::string& key, const std::string& value, std::int64_t expires_at_ms, std::int64_t now_ms) override {
        std::lock_guard lock(mutex_);
        if (values_.size() >= capacity_)
            std::erase_if(values_, [now_ms](const auto& item) { return item.second.expires_at_ms <= now_ms; });
        if (values_.size() >= capacity_) return false;
        values_.insert_or_assign(key, Value{value, expires_at_ms});
        return true;
    }
    std::optional<std::string> take(const std::string& key) override {
        std::lock_guard lock(mutex_);
        auto it = values_.find(key);
        if (it == values_.end()) return std::nullopt;
        std::string value = std::move(it->second.value);
        values_.erase(it);
        return value;
    }

private:
    struct Value {
        std::string value;
        std::int64_t expires_at_ms;
    };
    std::mutex mutex_;
    std::unordered_map<std::string, Value> values_;
    std::size_t capacity_;
};

} // namespace taskstream
