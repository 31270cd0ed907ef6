// Listener: accepts connections and starts a session for each on the next
// I/O thread (under TLS, behind a relay that does the handshake first).
#pragma once

#include <atomic>
#include <memory>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <spdlog/logger.h>

#include "http/http_session.hpp"
#include "http/io_thread.hpp"

namespace taskstream::http {

class Listener {
public:
    /// Binds at once (throws boost::system::system_error when it cannot).
    /// Accepts on the first thread; sessions go round robin over `threads`.
    Listener(std::vector<IoThread>& threads, const boost::asio::ip::tcp::endpoint& endpoint, const Router& router,
             const SessionOptions& options, std::shared_ptr<spdlog::logger> log,
             std::shared_ptr<boost::asio::ssl::context> tls = nullptr);

    boost::asio::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }
    void start();
    /// Stops accepting (thread-safe); open connections go on.
    void stop();
    /// Connections open now, event streams included.
    std::size_t open_connections() const { return open_connections_->load(); }

private:
    boost::asio::awaitable<void> accept_loop();
    void serve(boost::asio::ip::tcp::socket socket, boost::asio::ip::tcp::endpoint peer, IoThread& thread,
               std::shared_ptr<void> counted, bool overloaded);

    std::vector<IoThread>& threads_;
    std::size_t next_thread_ = 0;
    boost::asio::ip::tcp::acceptor acceptor_;
    const Router& router_;
    const SessionOptions& options_;
    std::shared_ptr<spdlog::logger> log_;
    std::shared_ptr<boost::asio::ssl::context> tls_;  // null: plain HTTP
    std::shared_ptr<std::atomic<std::size_t>> open_connections_ = std::make_shared<std::atomic<std::size_t>>(0);
};

} // namespace taskstream::http
