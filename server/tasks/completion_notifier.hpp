// CompletionNotifier: what the task engine sees of webhooks — whether a
// callback_url may be called back, and where a finished task is handed to be
// posted. The outbound HTTP client behind it lives in webhooks/.
#pragma once

#include <optional>
#include <string>

namespace taskstream {

class CompletionNotifier {
public:
    virtual ~CompletionNotifier() = default;
    /// Empty when `url` may be called back; else the reason it may not.
    virtual std::optional<std::string> check_url(const std::string& url) const = 0;
    /// Queues one delivery of `body` (the finished task's JSON). Any thread; never blocks.
    virtual void notify(const std::string& url, std::string body) = 0;
};

} // namespace taskstream
