// StreamLimiter: at most N open event streams per client address, so that one
// client cannot hold every descriptor of the server.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace taskstream::http {

class StreamLimiter : public std::enable_shared_from_this<StreamLimiter> {
public:
    explicit StreamLimiter(std::size_t per_address) : per_address_(per_address) {}

    /// A slot for one stream from `address`, released when the last copy of the
    /// returned handle goes; null when the address is at its limit. Thread-safe.
    std::shared_ptr<void> try_acquire(const std::string& address);

private:
    std::size_t per_address_;
    std::mutex mutex_;
    std::unordered_map<std::string, std::size_t> open_;
};

} // namespace taskstream::http
