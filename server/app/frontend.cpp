#include "app/frontend.hpp"

#include <algorithm>

#include <boost/asio/post.hpp>

#include "app/logging.hpp"
#include "http/io_thread.hpp"
#include "http/routes.hpp"

namespace taskstream {

namespace asio = boost::asio;

namespace {

// Tickets live a minute at most.
constexpr std::chrono::seconds kTicketLife{60};

http::SessionOptions session_options_of(const ServerOptions& options, bool tls, std::size_t fd_limit) {
    http::SessionOptions s;
    s.body_limit = options.max_body_bytes;
    s.header_limit = options.max_header_bytes;
    s.header_timeout = options.header_timeout;
    s.body_timeout = options.body_timeout;
    s.idle_timeout = options.idle_timeout;
    s.write_timeout = options.write_timeout;
    s.trusted_proxies = http::TrustedProxies(options.trusted_proxies);
    if (options.access_log) s.access_log = make_access_logger(options.log_format);
    s.access_log_json = options.log_format == "json";
    s.sse.write_timeout = s.write_timeout;
    // Descriptors beyond the connections: the store, pipes of command kinds, webhooks, the listener.
    // Under TLS a connection holds three: its socket and the relay's pair.
    const std::size_t fd_budget = (fd_limit > 128 ? fd_limit - 64 : fd_limit / 2) / (tls ? 3 : 1);
    s.max_connections = options.max_connections ? std::min(options.max_connections, fd_budget) : fd_budget;
    s.sse.heartbeat = options.heartbeat;
    s.sse.send_buffer_bytes = options.stream_send_buffer;
    return s;
}

} // namespace

Frontend::Frontend(const ServerOptions& options, const asio::ip::tcp::endpoint& endpoint, Backend& backend,
                   Security security, std::size_t fd_limit, std::shared_ptr<spdlog::logger> log)
    : log_(log),
      tls_(security.tls != nullptr),
      tickets_(std::make_shared<TicketBook>(*backend.deployment.tickets, kTicketLife)),
      publish_rate_(options.publish_rate),
      cors_(options.cors_origins),
      authenticator_(security.verifier, tickets_, options.auth_cookie, cors_, tls_),
      session_(session_options_of(options, tls_, fd_limit)),
      pool_(options.io_threads) {
    if (backend.deployment.reads_over_network) {
        store_waits_ = std::make_unique<asio::thread_pool>(8);
        router_.set_offload(store_waits_->get_executor());
    }
    http::add_health_routes(router_, ready_, backend.deployment.reachable);
    if (security.verifier) {
        router_.set_guard([this](http::RequestContext& ctx, bool stream_route) {
            return authenticator_.admit(ctx, stream_route);
        });
        log->info("authentication: on ({}{})", options.jwks_file.empty() ? "one key" : "JWKS",
                  options.auth_cookie.empty() ? "" : ", cookie " + options.auth_cookie);
    }
    streams_ = http::StreamSettings{
        .limits = DeliveryQueue::Limits{.max_events = options.stream_queue_events, .max_bytes = options.stream_queue_bytes},
        .limiter = std::make_shared<http::StreamLimiter>(options.max_streams_per_ip),
        .tickets = security.verifier ? tickets_ : nullptr,
        .store_reads = store_waits_ ? store_waits_->get_executor() : asio::any_io_executor()};
    if (options.role != "worker") {  // a worker serves health and metrics only
        http::add_kind_routes(router_, backend.engine);
        http::add_task_routes(router_, backend.engine, streams_);
        http::add_topic_routes(router_, backend.topics, backend.engine, streams_, publish_rate_);
        http::add_ticket_routes(router_, backend.engine, *tickets_);
        http::add_admin_routes(router_, backend.engine);
        http::add_stats_routes(router_, backend.engine);
        http::add_failure_routes(router_, backend.engine);
        http::add_dashboard_routes(router_);
    }
    http::add_metrics_routes(router_);

    session_.stopping = &stopping_;
    if (!options.cors_origins.empty()) session_.cors = &cors_;
    // Per I/O thread: its share of the hub's fan-out and its streams' housekeeping.
    for (std::size_t i = 0; i < pool_.size(); ++i) {
        auto& context = pool_.context(i);
        auto& shard = backend.hub.add_shard([&context](std::function<void()> f) { asio::post(context, std::move(f)); });
        sweepers_.push_back(std::make_unique<http::StreamSweeper>(context, session_.sse, log));
        sweepers_.back()->start();
        io_threads_.push_back(http::IoThread{context, shard, *sweepers_.back()});
    }
    try {
        listener_ = std::make_unique<http::Listener>(io_threads_, endpoint, router_, session_, log,
                                                     security.tls);
    } catch (const boost::system::system_error& e) {
        log->critical("cannot listen on {}: {}", options.listen, e.code().message());
        throw StartFailed{1};
    }
}

Frontend::~Frontend() { stop(); }

void Frontend::start() {
    listener_->start();
    pool_.start();
    // Scripts wait for this line: it shows at any log level short of "off".
    log_->log(std::max(spdlog::level::info, log_->level()), "listening on {}", url());
    ready_ = true;
}

std::string Frontend::url() const {
    const auto ep = listener_->local_endpoint();
    const auto a = ep.address();
    const std::string host = a.is_v6() ? "[" + a.to_string() + "]" : a.to_string();
    return (tls_ ? "https://" : "http://") + host + ":" + std::to_string(ep.port());
}

void Frontend::stop_accepting() {
    listener_->stop();
    stopping_ = true;  // keep-alive connections close after their answer in flight
}

void Frontend::stop() {
    pool_.stop();
    if (store_waits_) store_waits_->join();
}

} // namespace taskstream
