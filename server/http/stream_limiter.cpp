#include "http/stream_limiter.hpp"

namespace taskstream::http {

std::shared_ptr<void> StreamLimiter::try_acquire(const std::string& address) {
    {
        std::lock_guard lock(mutex_);
        auto& n = open_[address];
        if (n >= per_address_) return nullptr;
        ++n;
    }
    auto self = shared_from_this();
    // The handle points at the limiter itself: non-null, and it keeps the limiter alive.
    return std::shared_ptr<void>(self.get(), [self, address](void*) {
        std::lock_guard lock(self->mutex_);
        if (auto it = self->open_.find(address); it != self->open_.end() && --it->second == 0) self->open_.erase(it);
    });
}

} // namespace taskstream::http
