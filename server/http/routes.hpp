// The route tables of the API: each function adds one resource family.
#pragma once

#include <atomic>
#include <functional>

#include "auth/rate_limiter.hpp"
#include "auth/ticket_book.hpp"
#include "http/problem.hpp"
#include "http/router.hpp"
#include "http/sse_connection.hpp"
#include "http/stream_limiter.hpp"
#include "topics/topic_service.hpp"
#include "tasks/engine.hpp"

namespace taskstream::http {

/// What every event stream route shares: the subscriber bounds and the per-client limit.
struct StreamSettings {
    DeliveryQueue::Limits limits;
    std::shared_ptr<StreamLimiter> limiter;
    std::shared_ptr<TicketBook> tickets;  // with authentication: a created task's answer carries a ticket for its stream
    boost::asio::any_io_executor store_reads;  // a shared store: replay pages are read there, not on an I/O thread
};

/// A 403 problem unless `allowed`: a valid credential whose scope does not cover `what`.
std::optional<Response> forbidden_unless(bool allowed, const RequestContext& ctx, const std::string& what);
/// The first task topic (tasks/<id>) `filter` names whose task `who` may not see — another
/// subject's, or none — so that a stream or ticket naming it is refused (403), never an
/// empty stream; nullopt for a caller who sees every task.
std::optional<std::string> unseen_task_topic(Engine& engine, const Principal& who, const TopicFilter& filter);
/// When a stream opened with the request's credential must end (its exp); nullopt: never.
std::optional<std::chrono::steady_clock::time_point> stream_deadline(const RequestContext& ctx);

/// A slot for one more stream of this client, or the 429 problem.
HttpOutcome<std::shared_ptr<void>> take_stream_slot(const StreamSettings& streams, const RequestContext& ctx);
/// A new, not yet attached, stream connection on the request's I/O thread.
std::shared_ptr<SseConnection> make_stream(const StreamSettings& streams, const RequestContext& ctx);

/// POST (with Accept: text/event-stream: create-and-stream), GET /v1/tasks; GET, DELETE /v1/tasks/{id}; POST /v1/tasks/{id}/cancel
/// and /retry; GET /v1/tasks/{id}/events.
void add_task_routes(Router& router, Engine& engine, const StreamSettings& streams);
/// GET /v1/kinds, GET /v1/kinds/{kind}; POST /v1/kinds/{kind}/pause and /resume (admin).
void add_kind_routes(Router& router, Engine& engine);
/// POST /v1/topics/{topic}/events (producers), GET /v1/events (multiplexed streams).
void add_topic_routes(Router& router, TopicService& topics, Engine& engine, const StreamSettings& streams,
                      RateLimiter& publish_rate);
/// POST /v1/tickets: single-use tickets for EventSource streams (with authentication).
void add_ticket_routes(Router& router, Engine& engine, TicketBook& tickets);
/// POST /v1/admin/pause, /v1/admin/resume; GET /v1/admin/status.
void add_admin_routes(Router& router, Engine& engine);
/// GET /v1/stats: the task history per kind and step (admin).
void add_stats_routes(Router& router, Engine& engine);
/// GET /v1/failures: the failed tasks a filter finds, by kind and error type.
void add_failure_routes(Router& router, Engine& engine);
/// GET /healthz (alive), GET /readyz (accepting work: false while starting or draining).
/// /healthz (the process answers) and /readyz (ready, and the store reachable).
void add_health_routes(Router& router, const std::atomic<bool>& ready, std::function<bool()> store_reachable);
/// GET /metrics: every metric of the process in the Prometheus text format.
void add_metrics_routes(Router& router);
/// GET / and the dashboard's files (embedded in the binary), with ETag and a strict CSP.
void add_dashboard_routes(Router& router);

} // namespace taskstream::http
