// RedisStream: the bytes under one Redis connection — a TCP socket, or TLS over it for
// rediss:// (TLS 1.2 and later; the server's certificate checked against the system's
// CAs and --redis-ca-file, and its name against the host; a client certificate when one
// is given). One per connection: a reconnect makes a new one, and each loop of the
// connection holds the stream it began with, so an old loop never touches a new stream.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/system/error_code.hpp>

#include "store/redis/redis_url.hpp"

namespace taskstream {

/// The TLS context of a rediss:// endpoint, or null for redis://. Throws StoreError naming
/// the file when a CA, certificate or key cannot be used: a clear error at start.
std::unique_ptr<boost::asio::ssl::context> make_redis_tls(const RedisEndpoint& endpoint);

class RedisStream {
public:
    /// Plain TCP, or TLS when `tls` is not null (it outlives the stream); `host` is the name checked.
    RedisStream(boost::asio::io_context& ioc, boost::asio::ssl::context* tls, std::string host);

    /// The TCP layer: connect it, set its options, close it.
    boost::asio::ip::tcp::socket& socket();
    /// After the TCP connect: the TLS handshake, nothing for plain TCP. `ec` says why it failed.
    boost::asio::awaitable<void> handshake(boost::system::error_code& ec);
    boost::asio::awaitable<std::size_t> read_some(boost::asio::mutable_buffer buffer, boost::system::error_code& ec);
    boost::asio::awaitable<void> write(boost::asio::const_buffer buffer, boost::system::error_code& ec);
    /// Closes the TCP layer: whatever waits on the stream completes with an error.
    void close();

private:
    std::string host_;
    std::optional<boost::asio::ssl::stream<boost::asio::ip::tcp::socket>> tls_;
    std::optional<boost::asio::ip::tcp::socket> plain_;
};

} // namespace taskstream
