// WebhookNotifier: POSTs a finished task to its callback_url, signed with
// HMAC-SHA256, retried with backoff, only to allowlisted destinations. Runs
// on its own thread; a bounded queue keeps a slow receiver from piling up.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <spdlog/logger.h>

#include "tasks/completion_notifier.hpp"

namespace taskstream {

struct WebhookOptions {
    std::string secret;               // HMAC key; X-Taskstream-Signature: sha256=<hex>
    std::vector<std::string> allow;   // URL prefixes a callback_url must start with
    int max_attempts = 8;
    std::chrono::milliseconds backoff_base{1000};
    std::chrono::milliseconds backoff_max{60000};
    std::chrono::milliseconds timeout{10000};  // per delivery attempt
    std::size_t max_pending = 10000;
};

class WebhookNotifier final : public CompletionNotifier {
public:
    WebhookNotifier(WebhookOptions options, std::shared_ptr<spdlog::logger> log);
    ~WebhookNotifier();

    void start();
    /// Stops after the deliveries in progress end (each bounded by its timeout).
    void stop();

    std::optional<std::string> check_url(const std::string& url) const override;
    void notify(const std::string& url, std::string body) override;

private:
    boost::asio::awaitable<void> deliver(std::string url, std::string body);
    boost::asio::awaitable<bool> post_once(const std::string& url, const std::string& body, int attempt);

    WebhookOptions options_;
    std::shared_ptr<spdlog::logger> log_;
    boost::asio::io_context ioc_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
    std::thread thread_;
    std::atomic<std::size_t> pending_{0};
};

} // namespace taskstream
