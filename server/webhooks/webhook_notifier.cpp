#include "webhooks/webhook_notifier.hpp"

#include <random>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/backoff.hpp"
#include "core/clock.hpp"
#include "core/text.hpp"
#include "core/thread_name.hpp"

namespace taskstream {

namespace asio = boost::asio;

namespace {
constexpr std::chrono::seconds kPickUpEvery{1};  // a due retry waits at most this long past its time
}

WebhookNotifier::WebhookNotifier(WebhookOptions options, CallbackOutbox& outbox, std::shared_ptr<spdlog::logger> log)
    : options_(std::move(options)), outbox_(outbox), log_(std::move(log)), policy_(options_.allow, options_.allow_internal),
      client_(options_, policy_), guard_(ioc_.get_executor()), wake_(ioc_) {}

WebhookNotifier::~WebhookNotifier() { stop(); }

void WebhookNotifier::start() {
    if (options_.secret.empty()) return;  // webhooks off: check_url refuses every callback_url
    asio::co_spawn(ioc_, pick_up(), [this](std::exception_ptr e) {
        if (!e) return;
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& ex) {
            log_->critical("webhooks: the outbox loop ended: {}", ex.what());
        }
    });
    thread_ = std::thread([this] {
        name_this_thread("ts-webhooks");
        ioc_.run();
    });
}

void WebhookNotifier::stop() {
    guard_.reset();
    ioc_.stop();
    if (thread_.joinable()) thread_.join();
}

std::optional<std::string> WebhookNotifier::check_url(const std::string& url) const {
    if (options_.secret.empty()) return "webhooks are not configured on this server ([webhooks] secret)";
    return policy_.check_url(url);
}

void WebhookNotifier::callback_queued() {
    asio::post(ioc_, [this] { wake_.cancel(); });
}

/// Notifier thread: due callbacks that are not already on their way, up to the in-flight bound.
asio::awaitable<void> WebhookNotifier::pick_up() {
    for (;;) {
        const std::size_t room = options_.max_in_flight - std::min(options_.max_in_flight, in_flight_.size());
        if (room > 0) {
            std::vector<PendingCallback> due;
            try {
                due = outbox_.due_callbacks(now_ms(), room + in_flight_.size());
            } catch (const StoreError& e) {
                log_->warn("webhooks: cannot read the outbox: {}", e.what());
            }
            for (auto& callback : due) {
                if (in_flight_.size() >= options_.max_in_flight) break;
                if (!in_flight_.insert(callback.delivery_id).second) continue;
                asio::co_spawn(ioc_, deliver(std::move(callback)), [this](std::exception_ptr e) {
                    if (!e) return;
                    try {
                        std::rethrow_exception(e);
                    } catch (const std::exception& ex) {
                        log_->error("webhooks: a delivery failed: {}", ex.what());
                    }
                });
            }
        }
        wake_.expires_after(kPickUpEvery);
        boost::system::error_code ec;
        co_await wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
}

/// Attempts until delivered, refused or out of attempts, each one recorded, with full-jitter backoff between.
asio::awaitable<void> WebhookNotifier::deliver(PendingCallback callback) {
    std::mt19937_64 rng{std::random_device{}()};
    asio::steady_timer pause(co_await asio::this_coro::executor);
    const std::string where = printable(callback.url);
    for (int attempt = callback.attempts + 1;; ++attempt) {
        const CallbackRequest request{callback.url, callback.body, callback.delivery_id, attempt};
        const AttemptResult result = co_await client_.post(request);
        if (result.kind == AttemptResult::Kind::delivered) {
            log_->debug("webhook {} to {} delivered (attempt {})", callback.delivery_id, where, attempt);
            settle(callback, attempt, std::nullopt);
            break;
        }
        if (result.kind == AttemptResult::Kind::refused) {
            log_->warn("webhook {} to {} refused: {}; not sent", callback.delivery_id, where, printable(result.detail));
            settle(callback, attempt, std::nullopt);
            break;
        }
        if (attempt >= options_.max_attempts) {
            settle(callback, attempt, std::nullopt);
            log_->warn("webhook {} to {} given up after {} attempts: {}", callback.delivery_id, where, attempt,
                       printable(result.detail));
            break;
        }
        const auto delay = backoff_delay(options_.backoff_base, options_.backoff_max, attempt, rng);
        const bool recorded = settle(callback, attempt, now_ms() + delay.count());
        // Logged once recorded: a line in the log means a restart counts this attempt.
        log_->info("webhook {} to {} (attempt {}): {}", callback.delivery_id, where, attempt, printable(result.detail));
        if (!recorded) break;
        pause.expires_after(delay);
        boost::system::error_code ec;
        co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    in_flight_.erase(callback.delivery_id);
}

bool WebhookNotifier::settle(const PendingCallback& callback, int attempts, std::optional<std::int64_t> next_due_ms) {
    try {
        outbox_.settle_callback(callback.delivery_id, attempts, next_due_ms);
        return true;
    } catch (const StoreError& e) {
        log_->warn("webhooks: cannot record an attempt of {}: {}", callback.delivery_id, e.what());
        return false;
    }
}

} // namespace taskstream
