// Frontend: the server as clients reach it — the routes, authentication and
// tickets, the I/O threads with their share of the hub, and the listener. Built
// on a running Backend; stopped before it at shutdown.
#pragma once

#include <atomic>
#include <memory>
#include <vector>

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <spdlog/logger.h>

#include "app/backend.hpp"
#include "app/options.hpp"
#include "auth/rate_limiter.hpp"
#include "auth/ticket_book.hpp"
#include "auth/token_verifier.hpp"
#include "http/authenticator.hpp"
#include "http/cors_policy.hpp"
#include "http/io_pool.hpp"
#include "http/listener.hpp"
#include "http/router.hpp"
#include "http/routes.hpp"
#include "http/stream_sweeper.hpp"

namespace taskstream {

class Frontend {
public:
    struct Security {
        std::shared_ptr<const TokenVerifier> verifier;  // null: no authentication
        std::shared_ptr<boost::asio::ssl::context> tls;  // null: plain HTTP
    };
    /// Listens at once (throws StartFailed when it cannot); serves from start().
    Frontend(const ServerOptions& options, const boost::asio::ip::tcp::endpoint& endpoint, Backend& backend,
             Security security, std::size_t fd_limit, std::shared_ptr<spdlog::logger> log);
    ~Frontend();

    void start();
    /// /readyz answers 503 from now on; false when it did already.
    bool set_unready() { return ready_.exchange(false); }
    /// Stops accepting; open keep-alive connections close after their answer in flight.
    void stop_accepting();
    /// Stops the I/O threads (after the streams ended) and the pool of store reads.
    void stop();

    boost::asio::io_context& first_context() { return pool_.first(); }
    http::Listener& listener() { return *listener_; }
    std::string url() const;

private:
    void add_routes(const ServerOptions& options, Backend& backend);

    std::shared_ptr<spdlog::logger> log_;
    bool tls_;
    std::atomic<bool> ready_{false};
    std::atomic<bool> stopping_{false};
    http::Router router_;
    // A store over the network: handlers (a stream's opening too) and later replay
    // pages wait for it on a pool of their own, never on an I/O thread.
    std::unique_ptr<boost::asio::thread_pool> store_waits_;
    std::shared_ptr<TicketBook> tickets_;
    RateLimiter publish_rate_;
    http::CorsPolicy cors_;
    http::StreamSettings streams_;  // the routes keep a reference
    http::Authenticator authenticator_;
    http::SessionOptions session_;  // the listener and sweepers keep a reference
    http::IoPool pool_;
    std::vector<std::unique_ptr<http::StreamSweeper>> sweepers_;
    std::vector<http::IoThread> io_threads_;
    std::unique_ptr<http::Listener> listener_;
};

} // namespace taskstream
