#include "webhooks/webhook_notifier.hpp"

#include <random>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>

#include "core/backoff.hpp"
#include "core/digest.hpp"

namespace taskstream {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

WebhookNotifier::WebhookNotifier(WebhookOptions options, std::shared_ptr<spdlog::logger> log)
    : options_(std::move(options)), log_(std::move(log)), guard_(ioc_.get_executor()) {}

WebhookNotifier::~WebhookNotifier() { stop(); }

void WebhookNotifier::start() { thread_ = std::thread([this] { ioc_.run(); }); }

void WebhookNotifier::stop() {
    guard_.reset();
    ioc_.stop();
    if (thread_.joinable()) thread_.join();
}

std::optional<std::string> WebhookNotifier::check_url(const std::string& url) const {
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed) return "callback_url is not an absolute URL";
    if (parsed->scheme() != "http") return "callback_url must be an http:// URL (https is not supported yet)";
    if (options_.secret.empty()) return "webhooks are not configured on this server ([webhooks] secret)";
    for (const auto& prefix : options_.allow)
        if (!prefix.empty() && url.rfind(prefix, 0) == 0) return std::nullopt;
    return "callback_url is not on the server's allowlist";
}

void WebhookNotifier::notify(const std::string& url, std::string body) {
    if (pending_.fetch_add(1) >= options_.max_pending) {
        --pending_;
        log_->warn("webhook queue full: dropped the callback to {}", url);
        return;
    }
    asio::co_spawn(ioc_, deliver(url, std::move(body)), [this](std::exception_ptr e) {
        --pending_;
        if (!e) return;
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& ex) {
            log_->error("webhook delivery failed: {}", ex.what());
        }
    });
}

/// Notifier thread: tries up to max_attempts times, with full-jitter backoff between.
asio::awaitable<void> WebhookNotifier::deliver(std::string url, std::string body) {
    std::mt19937_64 rng{std::random_device{}()};
    asio::steady_timer pause(co_await asio::this_coro::executor);
    for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
        if (co_await post_once(url, body, attempt)) co_return;
        pause.expires_after(backoff_delay(options_.backoff_base, options_.backoff_max, attempt, rng));
        boost::system::error_code ec;
        co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    log_->warn("webhook to {} given up after {} attempts", url, options_.max_attempts);
}

asio::awaitable<bool> WebhookNotifier::post_once(const std::string& url, const std::string& body, int attempt) {
    auto u = boost::urls::parse_uri(url);
    beast::tcp_stream stream(co_await asio::this_coro::executor);
    boost::system::error_code ec;
    asio::ip::tcp::resolver resolver(stream.get_executor());
    const std::string host(u->host());
    const std::string port = u->has_port() ? std::string(u->port()) : "80";
    stream.expires_after(options_.timeout);
    auto endpoints = co_await resolver.async_resolve(host, port, asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) co_await stream.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
        log_->info("webhook to {} (attempt {}): {}", url, attempt, ec.message());
        co_return false;
    }
    std::string target(u->encoded_target());
    http::request<http::string_body> req{http::verb::post, target.empty() ? "/" : target, 11};
    req.set(http::field::host, u->encoded_host_and_port());
    req.set(http::field::content_type, "application/json");
    req.set(http::field::user_agent, "taskstream");
    req.set("X-Taskstream-Signature", "sha256=" + hmac_sha256_hex(options_.secret, body));
    req.set("X-Taskstream-Attempt", std::to_string(attempt));
    req.body() = body;
    req.prepare_payload();
    co_await http::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    if (!ec) co_await http::async_read(stream, buffer, res, asio::redirect_error(asio::use_awaitable, ec));
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    const bool ok = res.result_int() >= 200 && res.result_int() < 300;
    if (!ok) log_->info("webhook to {} (attempt {}): status {}", url, attempt, res.result_int());
    co_return ok;
}

} // namespace taskstream
