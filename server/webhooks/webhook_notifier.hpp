// WebhookNotifier: delivers the outbox. A finished task's callback is queued
// by the store in the transaction of its final state; this thread picks due
// callbacks up (at start, when woken, and once a second), posts each through
// the CallbackClient, and records every attempt back in the store — so a
// restart goes on where the last process stopped, at-least-once, under the
// same delivery id. At most max_in_flight deliveries at once.
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/logger.h>

#include "store/store.hpp"
#include "tasks/completion_notifier.hpp"
#include "webhooks/callback_client.hpp"
#include "webhooks/destination_policy.hpp"
#include "webhooks/webhook_options.hpp"

namespace taskstream {

class WebhookNotifier final : public CompletionNotifier {
public:
    /// Throws std::runtime_error when the options cannot be used (an unreadable ca_file).
    WebhookNotifier(WebhookOptions options, CallbackOutbox& outbox, std::shared_ptr<spdlog::logger> log);
    ~WebhookNotifier();

    void start();
    /// Stops at once; a delivery cut short is attempted again after the next start.
    void stop();

    std::optional<std::string> check_url(const std::string& url) const override;
    void callback_queued() override;

private:
    boost::asio::awaitable<void> pick_up();
    boost::asio::awaitable<void> deliver(PendingCallback callback);
    /// Records the attempt; false when the store would not take it (it is retried after a restart).
    bool settle(const PendingCallback& callback, int attempts, std::optional<std::int64_t> next_due_ms);

    WebhookOptions options_;
    CallbackOutbox& outbox_;  // the store's callbacks, queued with their tasks' final states
    std::shared_ptr<spdlog::logger> log_;
    DestinationPolicy policy_;
    CallbackClient client_;
    boost::asio::io_context ioc_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
    boost::asio::steady_timer wake_;
    std::set<std::string> in_flight_;  // delivery ids being delivered (this thread only)
    std::thread thread_;
};

} // namespace taskstream
