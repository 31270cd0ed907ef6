#include "app/server.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <future>
#include <thread>

#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>

#include "app/auth_setup.hpp"
#include "app/logging.hpp"
#include "app/server_metrics.hpp"
#include "core/clock.hpp"
#include "http/authenticator.hpp"
#include "http/io_pool.hpp"
#include "http/io_thread.hpp"
#include "http/listener.hpp"
#include "http/routes.hpp"
#include "http/stream_sweeper.hpp"
#include "http/tls_context.hpp"
#include "hub/hub.hpp"
#include "journal/event_relay.hpp"
#include "journal/journal.hpp"
#include "streams/stream_opener.hpp"
#include "topics/topic_service.hpp"
#include "store/redis/redis_event_feed.hpp"
#include "store/redis/redis_shared_tickets.hpp"
#include "store/redis/redis_store.hpp"
#include "store/redis/redis_work_queue.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "tasks/engine.hpp"
#include "tasks/scheduler.hpp"
#include "webhooks/webhook_notifier.hpp"

namespace taskstream {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

/// Event streams hold a descriptor each: allow as many as the hard limit does.
/// Returns the limit in force.
std::size_t raise_fd_limit(spdlog::logger& log) {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
    log.debug("file descriptor limit {}", limit.rlim_cur);
    return static_cast<std::size_t>(limit.rlim_cur);
}

/// "HOST:PORT" (HOST may be [v6]) → endpoint; "localhost" means 127.0.0.1.
tcp::endpoint parse_listen(const std::string& text) {
    auto colon = text.rfind(':');
    if (colon == std::string::npos) throw std::invalid_argument("--listen must be HOST:PORT, got '" + text + "'");
    std::string host = text.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (host.empty() || host == "localhost") host = "127.0.0.1";
    unsigned long port = std::stoul(text.substr(colon + 1));
    if (port > 65535) throw std::invalid_argument("port out of range in --listen '" + text + "'");
    return {asio::ip::make_address(host), static_cast<unsigned short>(port)};
}

/// This server's name in the shared queue: stable across restarts by default, so a
/// restarted server takes back its own attempts at once instead of after a lease.
std::string node_name_of(const ServerOptions& options, const tcp::endpoint& endpoint) {
    if (!options.node_name.empty()) return options.node_name;
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "taskstream");
    if (endpoint.port() == 0) return std::string(host) + ":pid-" + std::to_string(getpid());
    return std::string(host) + ":" + std::to_string(endpoint.port());
}

std::string url_of(const tcp::endpoint& ep, bool tls) {
    auto a = ep.address();
    std::string host = a.is_v6() ? "[" + a.to_string() + "]" : a.to_string();
    return (tls ? "https://" : "http://") + host + ":" + std::to_string(ep.port());
}

} // namespace

int run_server(const ServerOptions& options, const KindRegistry& kinds, const StructuredConfig& config,
               std::shared_ptr<spdlog::logger> log) {
    const std::size_t fd_limit = raise_fd_limit(*log);
    tcp::endpoint endpoint;
    try {
        endpoint = parse_listen(options.listen);
    } catch (const std::exception& e) {
        log->critical("bad --listen: {}", e.what());
        return 2;
    }
    std::shared_ptr<const TokenVerifier> verifier;
    try {
        verifier = load_token_verifier(options);
    } catch (const KeyError& e) {
        log->critical("authentication: {}", e.what());
        return 2;
    }
    std::shared_ptr<asio::ssl::context> tls;
    if (options.tls_cert.empty() != options.tls_key.empty()) {
        log->critical("TLS needs both --tls-cert and --tls-key");
        return 2;
    }
    try {
        if (!options.tls_cert.empty()) tls = http::make_server_tls(options.tls_cert, options.tls_key);
    } catch (const http::TlsError& e) {
        log->critical("TLS: {}", e.what());
        return 2;
    }
    if (!endpoint.address().is_loopback() && !verifier && !options.insecure) {
        log->critical("refusing to serve {} without authentication; configure a JWT key (--jwt-secret-file, "
                      "--jwt-public-key-file, --jwks-file), use a loopback address, or --insecure",
                      options.listen);
        return 2;
    }

    if (options.role != "all" && options.store == "sqlite") {
        log->critical("--role {} needs a store that servers share (--store redis://…): on sqlite this server is "
                      "the only one, and must both take and run tasks",
                      options.role);
        return 2;
    }
    std::unique_ptr<Store> store;
    std::function<bool()> store_reachable = [] { return true; };
    // A shared store: the queue all servers work, and the feed every server reads.
    std::unique_ptr<RedisWorkQueue> work_queue;
    std::unique_ptr<RedisEventFeed> feed;
    std::unique_ptr<RedisSharedTickets> shared_tickets;
    try {
        if (options.store == "sqlite") {
            store = std::make_unique<SqliteStore>(options.data_dir, log);
        } else {
            const auto redis_at = parse_redis_url(options.store).value();
            auto redis = std::make_unique<RedisStore>(redis_at, options.redis_prefix, RedisOptions{}, log);
            store_reachable = [r = redis.get()] { return r->reachable(); };
            const std::string node = node_name_of(options, endpoint);
            work_queue = std::make_unique<RedisWorkQueue>(
                redis->connection(), options.redis_prefix,
                RedisWorkQueue::Options{.node = node, .lease = options.lease, .aging_step = options.aging});
            shared_tickets = std::make_unique<RedisSharedTickets>(redis->connection(), options.redis_prefix);
            feed = std::make_unique<RedisEventFeed>(redis_at, options.redis_prefix, RedisOptions{}, log);
            log->info("cluster: node {} (role {}), lease {} ms", node, options.role, options.lease.count());
            store = std::move(redis);
        }
    } catch (const StoreError& e) {
        log->critical("cannot open the store: {}", e.what());
        return 1;
    }
    Hub hub;
    Journal::Options journal_options;
    journal_options.maintenance_interval = options.prune_interval;
    Journal journal(*store, hub, journal_options, log);
    RetentionPolicy retention;
    retention.max_age_ms = options.retention.count();
    retention.max_finished = options.retain_tasks;
    retention.max_topic_events = options.max_task_events;
    retention.idempotency_ms = options.idempotency_ttl.count();
    journal.set_maintenance([&store, &log, retention] {
        auto pruned = store->prune(retention, now_ms());
        if (pruned.tasks + pruned.events > 0)
            log->info("retention: pruned {} tasks and {} events", pruned.tasks, pruned.events);
    });
    try {
        journal.start();
    } catch (const StoreError& e) {
        log->critical("cannot write to the store: {}", e.what());
        return 1;
    }
    Engine::Options engine_options;
    engine_options.workers = options.role == "api" ? 0 : options.workers;
    engine_options.lease = options.lease;
    engine_options.drain_timeout = options.drain_timeout;
    engine_options.max_redeliveries = static_cast<int>(options.max_redeliveries);
    engine_options.aging_step = options.aging;
    // A replay goes out a page at a time; a page stays within half a reader's queue bound.
    const ReadLimit replay_page{.events = std::max<std::size_t>(1, std::min<std::size_t>(256, options.stream_queue_events / 2)),
                                .bytes = std::max<std::size_t>(1, options.stream_queue_bytes / 2)};
    StreamOpener streams_opener(*store, journal, hub, replay_page, log);
    Engine engine(kinds, *store, journal, streams_opener, engine_options, log);
    std::unique_ptr<WebhookNotifier> webhooks_holder;
    try {
        webhooks_holder = std::make_unique<WebhookNotifier>(config.webhooks, *store, log);
    } catch (const std::runtime_error& e) {
        log->critical("webhooks: {}", e.what());
        return 2;
    }
    WebhookNotifier& webhooks = *webhooks_holder;
    webhooks.start();
    engine.set_webhooks(&webhooks);
    std::unique_ptr<EventRelay> relay;
    if (feed) {
        engine.set_work_queue(work_queue.get());
        relay = std::make_unique<EventRelay>(*feed, hub, journal, log);
        relay->on_message([&engine](const std::string& m) { engine.on_message(m); });
        relay->on_events([&engine](const std::vector<EventPtr>& events) {
            // A state event may mean a task was queued: a worker need not wait for its poll.
            if (std::any_of(events.begin(), events.end(), [](const EventPtr& e) { return e->type == "state"; }))
                engine.queue_changed();
        });
        try {
            relay->start();
        } catch (const StoreError& e) {
            log->critical("cannot read the store's events: {}", e.what());
            return 1;
        }
    }
    engine.start();
    Scheduler scheduler(config.schedules, engine, log);
    scheduler.start();

    std::atomic<bool> ready{false};
    http::Router router;
    // A shared store answers over the network: handlers (a stream's opening too) and
    // later replay pages wait for it on a pool of their own, never on an I/O thread.
    std::unique_ptr<asio::thread_pool> store_waits;
    if (feed) {
        store_waits = std::make_unique<asio::thread_pool>(8);
        router.set_offload(store_waits->get_executor());
    }
    http::add_health_routes(router, ready, store_reachable);
    TopicService topics(journal, streams_opener);
    // Tickets live a minute at most; the book holds at most this many unused ones.
    auto tickets = std::make_shared<TicketBook>(100000, std::chrono::seconds(60));
    if (shared_tickets) tickets->share_through(shared_tickets.get());  // minted on one server, redeemed on any
    http::StreamSettings streams{
        .limits = DeliveryQueue::Limits{.max_events = options.stream_queue_events, .max_bytes = options.stream_queue_bytes},
        .limiter = std::make_shared<http::StreamLimiter>(options.max_streams_per_ip),
        .tickets = verifier ? tickets : nullptr,
        .store_reads = store_waits ? store_waits->get_executor() : asio::any_io_executor()};
    RateLimiter publish_rate(options.publish_rate);
    const http::CorsPolicy cors(options.cors_origins);
    http::Authenticator authenticator(verifier, tickets, options.auth_cookie, cors, tls != nullptr);
    if (verifier) {
        router.set_guard([&authenticator](http::RequestContext& ctx, bool stream_route) {
            return authenticator.admit(ctx, stream_route);
        });
        log->info("authentication: on ({}{})", options.jwks_file.empty() ? "one key" : "JWKS",
                  options.auth_cookie.empty() ? "" : ", cookie " + options.auth_cookie);
    }
    if (options.role != "worker") {  // a worker serves health and metrics only
        http::add_task_routes(router, engine, streams);
        http::add_topic_routes(router, topics, engine, streams, publish_rate);
        http::add_ticket_routes(router, engine, *tickets);
        http::add_admin_routes(router, engine);
        http::add_dashboard_routes(router);
    }
    http::add_metrics_routes(router);
    http::SessionOptions session_options;
    session_options.body_limit = options.max_body_bytes;
    session_options.header_limit = options.max_header_bytes;
    session_options.header_timeout = options.header_timeout;
    session_options.body_timeout = options.body_timeout;
    session_options.idle_timeout = options.idle_timeout;
    session_options.write_timeout = options.write_timeout;
    session_options.trusted_proxies = http::TrustedProxies(options.trusted_proxies);
    if (options.access_log) session_options.access_log = make_access_logger(options.log_format);
    session_options.access_log_json = options.log_format == "json";
    std::atomic<bool> stopping{false};
    session_options.stopping = &stopping;
    if (!options.cors_origins.empty()) session_options.cors = &cors;
    session_options.sse.write_timeout = session_options.write_timeout;
    // Descriptors beyond the connections: the store, pipes of command kinds, webhooks, the listener.
    // Under TLS a connection holds three: its socket and the relay's pair.
    const std::size_t fd_budget = (fd_limit > 128 ? fd_limit - 64 : fd_limit / 2) / (tls ? 3 : 1);
    session_options.max_connections = options.max_connections ? std::min(options.max_connections, fd_budget) : fd_budget;
    session_options.sse.heartbeat = options.heartbeat;
    session_options.sse.send_buffer_bytes = options.stream_send_buffer;

    http::IoPool pool(options.io_threads);
    // Per I/O thread: its share of the hub's fan-out and its streams' housekeeping.
    std::vector<std::unique_ptr<http::StreamSweeper>> sweepers;
    std::vector<http::IoThread> io_threads;
    for (std::size_t i = 0; i < pool.size(); ++i) {
        auto& context = pool.context(i);
        auto& shard = hub.add_shard([&context](std::function<void()> f) { asio::post(context, std::move(f)); });
        sweepers.push_back(std::make_unique<http::StreamSweeper>(context, session_options.sse, log));
        sweepers.back()->start();
        io_threads.push_back(http::IoThread{context, shard, *sweepers.back()});
    }
    std::unique_ptr<http::Listener> listener;
    try {
        listener = std::make_unique<http::Listener>(io_threads, endpoint, router, session_options, log, tls);
    } catch (const boost::system::system_error& e) {
        log->critical("cannot listen on {}: {}", options.listen, e.code().message());
        return 1;
    }

    const auto gauges = register_server_gauges(*listener, hub, engine);

    std::promise<int> stop_requested;
    asio::signal_set signals(pool.first(), SIGINT, SIGTERM, SIGQUIT);
    signals.add(SIGHUP);
    std::function<void(const boost::system::error_code&, int)> on_signal =
        [&](const boost::system::error_code& ec, int signo) {
            if (ec) return;
            if (!ready.exchange(false)) {
                log->warn("second signal: exiting at once");
                std::_Exit(128 + signo);
            }
            log->info("signal {}: shutting down", signo);
            stop_requested.set_value(0);
            signals.async_wait(on_signal);
        };
    signals.async_wait(on_signal);

    listener->start();
    pool.start();
    // Scripts wait for this line: it shows at any log level short of "off".
    log->log(std::max(spdlog::level::info, log->level()), "listening on {}", url_of(listener->local_endpoint(), tls != nullptr));
    ready = true;

    int code = stop_requested.get_future().get();
    // In order: readiness fails at once (the signal handler), and everything else
    // serves on for the delay, so that a load balancer takes the node out first.
    if (options.shutdown_delay > std::chrono::milliseconds(0)) {
        log->info("shutdown: /readyz answers 503; serving on for {} ms", options.shutdown_delay.count());
        std::this_thread::sleep_for(options.shutdown_delay);
    }
    listener->stop();
    stopping = true;  // keep-alive connections close after their answer in flight
    log->info("shutdown: stopped accepting; {} connections open", listener->open_connections());
    scheduler.stop();
    const std::size_t open_streams = hub.subscriber_count();
    hub.shutdown();   // every stream: event: shutdown, then a clean end
    if (hub.wait_until_no_subscribers(std::chrono::seconds(5)))
        log->info("shutdown: {} event streams sent shutdown and ended", open_streams);
    else
        log->warn("shutdown: of {} event streams, {} did not end in time", open_streams, hub.subscriber_count());
    engine.stop();    // drain running attempts, interrupt the rest
    if (relay) relay->stop();
    journal.stop();   // commit the final events
    log->info("shutdown: final events committed (last id {})", hub.last_seq());
    webhooks.stop();
    pool.stop();
    if (store_waits) store_waits->join();
    log->info("stopped");
    return code;
}

} // namespace taskstream
