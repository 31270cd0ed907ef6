// Backend: the server short of HTTP — the deployment's store and seams, the hub,
// the journal, the engine with its dispatcher, webhooks, the relay of other
// servers' events, schedules, waiting notices — built and started in order, stopped in the order
// that loses nothing (drain tasks, then commit the last events).
#pragma once

#include <memory>
#include <string>

#include <spdlog/logger.h>

#include "app/config_file.hpp"
#include "app/deployment.hpp"
#include "app/options.hpp"
#include "hub/hub.hpp"
#include "journal/event_relay.hpp"
#include "journal/journal.hpp"
#include "streams/stream_opener.hpp"
#include "tasks/engine.hpp"
#include "tasks/scheduler.hpp"
#include "tasks/waiting_notices.hpp"
#include "topics/topic_service.hpp"
#include "webhooks/webhook_notifier.hpp"

namespace taskstream {

/// A start that cannot go on; what went wrong is logged. The process exits with `code`.
struct StartFailed {
    int code;
};

class Backend {
    // First: the engine runs its kinds, among them the built-in ones that act through it.
    KindRegistry kinds_;

public:
    /// Opens, builds and starts everything; throws StartFailed.
    Backend(const ServerOptions& options, const KindRegistry& kinds, const StructuredConfig& config,
            const std::string& node, std::shared_ptr<spdlog::logger> log);
    ~Backend();

    /// No schedule fires from now on.
    void stop_schedules();
    /// Drains running attempts, stops the relay, commits the final events, stops webhooks.
    void stop();

    Deployment deployment;
    Hub hub;
    std::unique_ptr<Journal> journal;  // the deployment's kind
    StreamOpener streams;
    Engine engine;
    TopicService topics;

private:
    std::shared_ptr<spdlog::logger> log_;
    std::unique_ptr<WebhookNotifier> webhooks_;
    std::unique_ptr<EventRelay> relay_;
    std::unique_ptr<Scheduler> scheduler_;
    std::unique_ptr<WaitingNotices> waiting_notices_;
    bool stopped_ = false;
};

} // namespace taskstream
