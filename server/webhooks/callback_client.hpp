// CallbackClient: one delivery attempt — resolve, check the addresses against
// the DestinationPolicy, connect to exactly those, TLS with certificate and
// host name verification for https, POST, read a bounded answer. The whole
// attempt is bounded by the timeout; redirects are not followed.
#pragma once

#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>

#include "webhooks/destination_policy.hpp"
#include "webhooks/webhook_options.hpp"

namespace taskstream {

struct CallbackRequest {
    std::string url;
    std::string body;
    std::string delivery_id;
    int attempt = 1;
};

struct AttemptResult {
    enum class Kind { delivered, failed, refused } kind;  // refused: never to be tried again (policy)
    std::string detail;                                   // for the log: a status, an error, the refusal
};

class CallbackClient {
public:
    /// Throws std::runtime_error when `options.ca_file` cannot be loaded.
    CallbackClient(const WebhookOptions& options, const DestinationPolicy& policy);

    boost::asio::awaitable<AttemptResult> post(const CallbackRequest& request) const;

private:
    const WebhookOptions& options_;
    const DestinationPolicy& policy_;
    std::shared_ptr<boost::asio::ssl::context> tls_;
};

} // namespace taskstream
