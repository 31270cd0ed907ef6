#include "webhook_receiver.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace taskstream::testing {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

WebhookReceiver::WebhookReceiver(int failures)
    : acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)), failures_(failures) {
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(ioc_, [this]() -> asio::awaitable<void> {
        for (;;) {
            tcp::socket socket = co_await acceptor_.async_accept(asio::use_awaitable);
            try {
                boost::beast::flat_buffer buffer;
                http::request<http::string_body> req;
                co_await http::async_read(socket, buffer, req, asio::use_awaitable);
                ReceivedHook hook{std::string(req.target()), {}, req.body()};
                for (const auto& f : req) {
                    std::string name(f.name_string());
                    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                    hook.headers[name] = std::string(f.value());
                }
                bool fail;
                {
                    std::lock_guard lock(mutex_);
                    fail = failures_-- > 0;
                    hooks_.push_back(std::move(hook));
                    arrived_.notify_all();
                }
                http::response<http::string_body> res{fail ? http::status::internal_server_error : http::status::ok, 11};
                res.keep_alive(false);
                res.prepare_payload();
                co_await http::async_write(socket, res, asio::use_awaitable);
            } catch (const std::exception&) {
                // a client that went away: keep accepting
            }
        }
    }, asio::detached);
    thread_ = std::thread([this] { ioc_.run(); });
}

WebhookReceiver::~WebhookReceiver() {
    ioc_.stop();
    thread_.join();
}

std::vector<ReceivedHook> WebhookReceiver::wait_for(std::size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    arrived_.wait_for(lock, timeout, [&] { return hooks_.size() >= n; });
    return hooks_;
}

} // namespace taskstream::testing
