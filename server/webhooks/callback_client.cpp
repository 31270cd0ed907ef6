#include "webhooks/callback_client.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/url/parse.hpp>
#include <openssl/ssl.h>

#include "core/digest.hpp"

namespace taskstream {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

constexpr std::size_t kAnswerLimit = 64 * 1024;  // a receiver's answer is read, and no more than this

AttemptResult delivered(std::string detail) { return {AttemptResult::Kind::delivered, std::move(detail)}; }
AttemptResult failed(std::string detail) { return {AttemptResult::Kind::failed, std::move(detail)}; }
AttemptResult refused(std::string detail) { return {AttemptResult::Kind::refused, std::move(detail)}; }

http::request<http::string_body> make_request(const boost::urls::url_view& url, const CallbackRequest& callback,
                                              const std::string& secret) {
    std::string target(url.encoded_target());
    http::request<http::string_body> req{http::verb::post, target.empty() ? "/" : target, 11};
    req.set(http::field::host, url.encoded_host_and_port());
    req.set(http::field::content_type, "application/json");
    req.set(http::field::user_agent, "taskstream");
    req.set("X-Taskstream-Signature", "sha256=" + hmac_sha256_hex(secret, callback.body));
    req.set("X-Taskstream-Delivery", callback.delivery_id);
    req.set("X-Taskstream-Attempt", std::to_string(callback.attempt));
    req.keep_alive(false);
    req.body() = callback.body;
    req.prepare_payload();
    return req;
}

/// Writes the request and reads the answer (bounded), on a connected stream.
template <class Stream>
asio::awaitable<AttemptResult> exchange(Stream& stream, http::request<http::string_body>& req) {
    boost::system::error_code ec;
    co_await http::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return failed("sending: " + ec.message());
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(kAnswerLimit);
    co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return failed("reading the answer: " + ec.message());
    const unsigned status = parser.get().result_int();
    if (status >= 200 && status < 300) co_return delivered("status " + std::to_string(status));
    if (status >= 300 && status < 400)
        co_return failed("status " + std::to_string(status) + " (redirects are not followed)");
    co_return failed("status " + std::to_string(status));
}

} // namespace

CallbackClient::CallbackClient(const WebhookOptions& options, const DestinationPolicy& policy)
    : options_(options), policy_(policy), tls_(std::make_shared<ssl::context>(ssl::context::tls_client)) {
    SSL_CTX_set_min_proto_version(tls_->native_handle(), TLS1_2_VERSION);
    tls_->set_default_verify_paths();
    if (!options_.ca_file.empty()) {
        boost::system::error_code ec;
        tls_->load_verify_file(options_.ca_file, ec);
        if (ec) throw std::runtime_error("[webhooks] ca_file " + options_.ca_file + ": " + ec.message());
    }
    tls_->set_verify_mode(ssl::verify_peer);
}

asio::awaitable<AttemptResult> CallbackClient::post(const CallbackRequest& request) const {
    auto url = boost::urls::parse_absolute_uri(request.url);
    if (!url) co_return refused("not an absolute URL");
    if (auto why = policy_.check_url(request.url)) co_return refused(*why);
    const bool https = url->scheme() == "https";
    const std::string host(url->host_address());
    const std::string port = url->has_port() ? std::string(url->port()) : (https ? "443" : "80");
    const auto executor = co_await asio::this_coro::executor;
    const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
    boost::system::error_code ec;

    // The lookup, within the attempt's time: the timer cancels it.
    tcp::resolver resolver(executor);
    asio::steady_timer lookup_deadline(executor, deadline);
    lookup_deadline.async_wait([&resolver](const boost::system::error_code& e) {
        if (!e) resolver.cancel();  // only when it fired: on cancel the frame may be gone
    });
    auto results = co_await resolver.async_resolve(host, port, asio::redirect_error(asio::use_awaitable, ec));
    lookup_deadline.cancel();
    if (ec) co_return failed("resolving " + host + ": " + ec.message());
    std::vector<asio::ip::address> addresses;
    std::vector<tcp::endpoint> endpoints;
    for (const auto& entry : results) {
        addresses.push_back(entry.endpoint().address());
        endpoints.push_back(entry.endpoint());
    }
    // Judged on the addresses connected to: no second lookup can rebind the name.
    if (auto why = policy_.check_resolved(host, addresses)) co_return refused(*why);

    beast::tcp_stream stream(executor);
    stream.expires_at(deadline);
    co_await stream.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return failed("connecting to " + host + ": " + ec.message());
    auto req = make_request(*url, request, options_.secret);
    if (!https) co_return co_await exchange(stream, req);

    beast::ssl_stream<beast::tcp_stream> secure(std::move(stream), *tls_);
    asio::ip::make_address(host, ec);
    if (ec) SSL_set_tlsext_host_name(secure.native_handle(), host.c_str());  // SNI for names, not addresses
    secure.set_verify_callback(ssl::host_name_verification(host));
    co_await secure.async_handshake(ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return failed("TLS with " + host + ": " + ec.message());
    co_return co_await exchange(secure, req);
}

} // namespace taskstream
