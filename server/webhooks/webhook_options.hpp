// WebhookOptions: the [webhooks] section of the config file.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace taskstream {

struct WebhookOptions {
    std::string secret;                       // HMAC key; X-Taskstream-Signature: sha256=<hex>
    std::vector<std::string> allow;           // URL prefixes a callback_url must start with (empty: any)
    std::vector<std::string> allow_internal;  // host names that may resolve to internal addresses
    std::string ca_file;                      // PEM CAs for https:// receivers (beside the system's)
    int max_attempts = 8;
    std::chrono::milliseconds backoff_base{1000};
    std::chrono::milliseconds backoff_max{60000};
    std::chrono::milliseconds timeout{10000};  // per delivery attempt, connect to answer
    std::size_t max_in_flight = 64;            // deliveries at once; the rest wait in the outbox
};

} // namespace taskstream
