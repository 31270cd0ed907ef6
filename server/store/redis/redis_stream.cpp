#include "store/redis/redis_stream.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <openssl/ssl.h>

#include "store/store.hpp"

namespace taskstream {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using boost::system::error_code;

std::unique_ptr<ssl::context> make_redis_tls(const RedisEndpoint& endpoint) {
    if (!endpoint.tls) return nullptr;
    auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                     ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    auto use = [](const char* flag, const std::string& file, auto&& load) {
        error_code ec;
        load(ec);
        if (ec) throw StoreError("redis TLS: " + std::string(flag) + " " + file + ": " + ec.message());
    };
    error_code ec;
    ctx->set_default_verify_paths(ec);  // the system's CAs; a CA file adds to them
    const auto& files = endpoint.tls_files;
    if (!files.ca_file.empty()) use("--redis-ca-file", files.ca_file, [&](error_code& e) { ctx->load_verify_file(files.ca_file, e); });
    if (!files.cert_file.empty())
        use("--redis-cert-file", files.cert_file, [&](error_code& e) { ctx->use_certificate_chain_file(files.cert_file, e); });
    if (!files.key_file.empty())
        use("--redis-key-file", files.key_file, [&](error_code& e) { ctx->use_private_key_file(files.key_file, ssl::context::pem, e); });
    ctx->set_verify_mode(ssl::verify_peer);
    return ctx;
}

RedisStream::RedisStream(asio::io_context& ioc, ssl::context* tls, std::string host) : host_(std::move(host)) {
    if (tls) tls_.emplace(ioc, *tls);
    else plain_.emplace(ioc);
}

asio::ip::tcp::socket& RedisStream::socket() { return tls_ ? tls_->next_layer() : *plain_; }

asio::awaitable<void> RedisStream::handshake(error_code& ec) {
    if (!tls_) co_return;
    error_code not_ip;
    asio::ip::make_address(host_, not_ip);
    // SNI for a name (a server may serve several); an address is checked as such.
    if (not_ip && !SSL_set_tlsext_host_name(tls_->native_handle(), host_.c_str())) {
        ec = asio::error::invalid_argument;
        co_return;
    }
    tls_->set_verify_mode(ssl::verify_peer);
    tls_->set_verify_callback(ssl::host_name_verification(host_));
    co_await tls_->async_handshake(ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, ec));
}

asio::awaitable<std::size_t> RedisStream::read_some(asio::mutable_buffer buffer, error_code& ec) {
    if (tls_) co_return co_await tls_->async_read_some(buffer, asio::redirect_error(asio::use_awaitable, ec));
    co_return co_await plain_->async_read_some(buffer, asio::redirect_error(asio::use_awaitable, ec));
}

asio::awaitable<void> RedisStream::write(asio::const_buffer buffer, error_code& ec) {
    if (tls_) co_await asio::async_write(*tls_, buffer, asio::redirect_error(asio::use_awaitable, ec));
    else co_await asio::async_write(*plain_, buffer, asio::redirect_error(asio::use_awaitable, ec));
}

void RedisStream::close() {
    error_code ignored;
    socket().close(ignored);
}

} // namespace taskstream
