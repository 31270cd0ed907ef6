#include "store/redis/redis_sentinel.hpp"

#include <charconv>
#include <memory>
#include <optional>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <hiredis/hiredis.h>

#include "store/redis/redis_reply.hpp"
#include "store/redis/redis_stream.hpp"

namespace taskstream {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

struct ReaderFree {
    void operator()(redisReader* r) const { redisReaderFree(r); }
};

/// One sentinel's answer: the primary's address, or why not (in `why`).
asio::awaitable<std::optional<RedisHost>> ask_one(asio::io_context& ioc, asio::ssl::context* tls, const RedisHost& sentinel,
                                                  const RedisEndpoint& endpoint, std::chrono::milliseconds bound,
                                                  std::string& why) {
    auto stream = std::make_shared<RedisStream>(ioc, tls, sentinel.host);
    auto resolver = std::make_shared<asio::ip::tcp::resolver>(ioc);
    asio::steady_timer timer(ioc, bound);
    timer.async_wait([stream, resolver](error_code e) {
        if (e) return;  // answered first
        resolver->cancel();
        stream->close();
    });
    const std::string at = sentinel.host + ":" + std::to_string(sentinel.port);
    error_code ec;
    auto results = co_await resolver->async_resolve(sentinel.host, std::to_string(sentinel.port),
                                                    asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) co_await asio::async_connect(stream->socket(), results, asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) co_await stream->handshake(ec);
    std::string request;
    std::size_t expected = 1;
    if (!endpoint.sentinel_auth.password.empty()) {
        RedisCommand auth{"AUTH"};
        if (!endpoint.sentinel_auth.user.empty()) auth.push_back(endpoint.sentinel_auth.user);
        auth.push_back(endpoint.sentinel_auth.password);
        append_resp(request, auth);
        ++expected;
    }
    append_resp(request, {"SENTINEL", "get-master-addr-by-name", endpoint.primary_name});
    if (!ec) co_await stream->write(asio::buffer(request), ec);
    std::unique_ptr<redisReader, ReaderFree> reader(redisReaderCreate());
    std::optional<RedisReply> last;
    char buf[4096];
    while (!ec && expected > 0) {
        const std::size_t n = co_await stream->read_some(asio::buffer(buf), ec);
        if (ec) break;
        redisReaderFeed(reader.get(), buf, n);
        try {
            while (expected > 0) {
                auto reply = take_reply(reader.get());
                if (!reply) break;
                --expected;
                if (reply->is_error()) {
                    why = "sentinel " + at + ": " + reply->text;
                    co_return std::nullopt;
                }
                last = std::move(reply);
            }
        } catch (const std::exception& e) {
            why = "sentinel " + at + ": " + e.what();
            co_return std::nullopt;
        }
    }
    timer.cancel();
    stream->close();
    if (ec) {
        why = "sentinel " + at + ": " + ec.message();
        co_return std::nullopt;
    }
    if (!last || last->items.size() != 2) {
        why = "sentinel " + at + " does not know a primary named '" + endpoint.primary_name + "'";
        co_return std::nullopt;
    }
    const std::string& port_text = last->items[1].text;
    int port = 0;
    auto [end, perr] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (perr != std::errc{} || end != port_text.data() + port_text.size() || port < 1 || port > 65535) {
        why = "sentinel " + at + " named a primary with port '" + port_text + "'";
        co_return std::nullopt;
    }
    co_return RedisHost{last->items[0].text, static_cast<std::uint16_t>(port)};
}

} // namespace

asio::awaitable<std::variant<RedisHost, std::string>> ask_sentinels(asio::io_context& ioc, asio::ssl::context* tls,
                                                                    const RedisEndpoint& endpoint,
                                                                    std::chrono::milliseconds per_sentinel) {
    std::string why = "no sentinel";
    for (const auto& sentinel : endpoint.sentinels)
        if (auto primary = co_await ask_one(ioc, tls, sentinel, endpoint, per_sentinel, why)) co_return *primary;
    co_return why;
}

} // namespace taskstream
