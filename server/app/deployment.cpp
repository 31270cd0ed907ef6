#include "app/deployment.hpp"

#include "journal/reserved_id_journal.hpp"
#include "journal/store_id_journal.hpp"
#include "store/memory_tickets.hpp"
#include "store/redis/redis_event_feed.hpp"
#include "store/redis/redis_shared_tickets.hpp"
#include "store/redis/redis_store.hpp"
#include "store/redis/redis_work_queue.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "tasks/cluster_dispatcher.hpp"
#include "tasks/local_dispatcher.hpp"

namespace taskstream {

namespace {

// Tickets live a minute at most; this process holds at most this many unused ones.
constexpr std::size_t kTicketCapacity = 100000;

Deployment alone_on_sqlite(const ServerOptions& options, std::shared_ptr<spdlog::logger> log) {
    Deployment d;
    auto sqlite = std::make_unique<SqliteStore>(options.data_dir, log);
    d.journal = [](Store& store, Hub& hub, Journal::Options o, std::shared_ptr<spdlog::logger> l) {
        return std::make_unique<ReservedIdJournal>(store, hub, o, std::move(l));
    };
    d.tickets = std::make_unique<MemoryTickets>(kTicketCapacity);
    d.dispatch = LocalDispatcher::over(*sqlite, *sqlite);
    d.store = std::move(sqlite);
    return d;
}

Deployment one_of_several_on_redis(const ServerOptions& options, const std::string& node,
                                   std::shared_ptr<spdlog::logger> log) {
    auto redis_at = parse_redis_url(options.store).value();
    redis_at.tls_files = {options.redis_ca_file, options.redis_cert_file, options.redis_key_file};
    redis_at.sentinel_auth = {options.redis_sentinel_user, options.redis_sentinel_password};
    auto redis = std::make_unique<RedisStore>(redis_at, options.redis_prefix,
                                              RedisOptions{.min_replicas = options.redis_min_replicas}, log);
    Deployment d;
    d.reachable = [r = redis.get()] { return r->reachable(); };
    d.reads_over_network = true;
    d.journal = [numbering = redis.get()](Store& store, Hub& hub, Journal::Options o, std::shared_ptr<spdlog::logger> l) {
        return std::make_unique<StoreIdJournal>(store, *numbering, hub, o, std::move(l));
    };
    auto queue = std::make_unique<RedisWorkQueue>(
        redis->connection(), options.redis_prefix,
        RedisWorkQueue::Options{.node = node, .lease = options.lease, .aging_step = options.aging});
    d.tickets = std::make_unique<RedisSharedTickets>(redis->connection(), options.redis_prefix);
    d.feed = std::make_unique<RedisEventFeed>(redis_at, options.redis_prefix, RedisOptions{}, log);
    d.dispatch = ClusterDispatcher::over(
        *queue, *redis,
        ClusterDispatcher::Options{.worker = {.lease = options.lease}, .claims = options.role != "api"});
    log->info("cluster: node {} (role {}), lease {} ms", node, options.role, options.lease.count());
    d.work_queue = std::move(queue);
    d.store = std::move(redis);
    return d;
}

} // namespace

Deployment open_deployment(const ServerOptions& options, const std::string& node, std::shared_ptr<spdlog::logger> log) {
    if (options.store == "sqlite") return alone_on_sqlite(options, std::move(log));
    return one_of_several_on_redis(options, node, std::move(log));
}

} // namespace taskstream
