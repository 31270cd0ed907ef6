#include "app/backend.hpp"

#include <algorithm>

#include "core/clock.hpp"
#include "tasks/bulk_kind.hpp"

namespace taskstream {

namespace {

Deployment open_or_fail(const ServerOptions& options, const std::string& node, std::shared_ptr<spdlog::logger> log) {
    try {
        return open_deployment(options, node, log);
    } catch (const StoreError& e) {
        log->critical("cannot open the store: {}", e.what());
        throw StartFailed{1};
    }
}

Journal::Options journal_options_of(const ServerOptions& options) {
    Journal::Options o;
    o.maintenance_interval = options.prune_interval;
    return o;
}

RetentionPolicy retention_of(const ServerOptions& options) {
    RetentionPolicy r;
    r.max_age_ms = options.retention.count();
    r.max_finished = options.retain_tasks;
    r.max_topic_events = options.max_task_events;
    r.idempotency_ms = options.idempotency_ttl.count();
    r.stats_ms = options.stats_retention.count();
    return r;
}

/// A replay goes out a page at a time; a page stays within half a reader's queue bound.
ReadLimit replay_page_of(const ServerOptions& options) {
    return ReadLimit{.events = std::max<std::size_t>(1, std::min<std::size_t>(256, options.stream_queue_events / 2)),
                     .bytes = std::max<std::size_t>(1, options.stream_queue_bytes / 2)};
}

Engine::Options engine_options_of(const ServerOptions& options) {
    Engine::Options o;
    o.workers = options.role == "api" ? 0 : options.workers;
    o.drain_timeout = options.drain_timeout;
    o.max_redeliveries = static_cast<int>(options.max_redeliveries);
    o.aging_step = options.aging;
    // On Redis a create that holds its Idempotency-Key or a dedupe key found taken makes a
    // round trip first: off the network thread (on SQLite it is a local read, done there).
    if (options.store != "sqlite") o.offload_threads = 4;
    o.dedupe_in_memory = options.store == "sqlite";  // one server: every unfinished task is in memory
    return o;
}

} // namespace

Backend::Backend(const ServerOptions& options, const KindRegistry& kinds, const StructuredConfig& config,
                 const std::string& node, std::shared_ptr<spdlog::logger> log)
    : kinds_(with_system_kinds(kinds, engine)),
      deployment(open_or_fail(options, node, log)),
      journal(deployment.journal(*deployment.store, hub, journal_options_of(options), log)),
      streams(*deployment.store, *journal, hub, replay_page_of(options), log),
      engine(kinds_, *deployment.store, *journal, streams, engine_options_of(options), std::move(deployment.dispatch), log),
      topics(*journal, streams),
      log_(log) {
    journal->set_maintenance([store = deployment.store.get(), log, retention = retention_of(options)] {
        auto pruned = store->prune(retention, now_ms());
        if (pruned.tasks + pruned.events > 0)
            log->info("retention: pruned {} tasks and {} events", pruned.tasks, pruned.events);
    });
    try {
        journal->start();
    } catch (const StoreError& e) {
        log->critical("cannot write to the store: {}", e.what());
        throw StartFailed{1};
    }
    try {
        webhooks_ = std::make_unique<WebhookNotifier>(config.webhooks, *deployment.store, log);
    } catch (const std::runtime_error& e) {
        log->critical("webhooks: {}", e.what());
        throw StartFailed{2};
    }
    webhooks_->start();
    engine.set_webhooks(webhooks_.get());
    // Several servers share the claims that make a waiting notice once per change.
    waiting_notices_ = std::make_unique<WaitingNotices>(engine, hub, deployment.feed ? deployment.store.get() : nullptr,
                                                        WaitingNotices::Options{}, log);
    if (deployment.feed) {
        // Several servers: this hub hears what every server commits, and the
        // dispatcher what they say (cancel, pause).
        relay_ = std::make_unique<EventRelay>(*deployment.feed, hub, *journal, log);
        relay_->on_message([this](const std::string& m) { engine.on_message(m); });
        relay_->on_events([this](const std::vector<EventPtr>& events) {
            waiting_notices_->seen(events);  // what another server noted need not be noted here again
            // A state event may mean a task was queued: a worker need not wait for its poll.
            if (std::any_of(events.begin(), events.end(), [](const EventPtr& e) { return e->type == "state"; }))
                engine.queue_changed();
        });
        try {
            relay_->start();
        } catch (const StoreError& e) {
            log->critical("cannot read the store's events: {}", e.what());
            throw StartFailed{1};
        }
    }
    engine.start();
    waiting_notices_->start();
    scheduler_ = std::make_unique<Scheduler>(config.schedules, engine, log);
    scheduler_->start();
}

Backend::~Backend() {
    if (scheduler_) stop();  // started but never stopped (the frontend failed to start); a throwing constructor leaves this to its members
}

void Backend::stop_schedules() {
    if (scheduler_) scheduler_->stop();
}

void Backend::stop() {
    if (stopped_) return;
    stopped_ = true;
    stop_schedules();
    if (waiting_notices_) waiting_notices_->stop();
    engine.stop();  // drain running attempts, interrupt the rest
    if (relay_) relay_->stop();
    journal->stop();  // commit the final events
    log_->info("shutdown: final events committed (last id {})", hub.last_seq());
    if (webhooks_) webhooks_->stop();
}

} // namespace taskstream
