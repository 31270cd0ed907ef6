// CompletionNotifier: what the task engine sees of webhooks — whether a
// callback_url may be called back, and a nudge when a finished task's callback
// was committed to the store's outbox. The delivery behind it lives in webhooks/.
#pragma once

#include <optional>
#include <string>

namespace taskstream {

class CompletionNotifier {
public:
    virtual ~CompletionNotifier() = default;
    /// Empty when `url` may be called back; else the reason it may not.
    virtual std::optional<std::string> check_url(const std::string& url) const = 0;
    /// A callback was committed to the outbox (with its task's final state): deliver it
    /// soon. Any thread; never blocks.
    virtual void callback_queued() = 0;
};

} // namespace taskstream
