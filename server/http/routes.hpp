// The route tables of the API: each function adds one resource family.
#pragma once

#include <atomic>

#include "http/router.hpp"
#include "http/sse_subscriber.hpp"
#include "tasks/engine.hpp"

namespace taskstream::http {

/// GET /v1/kinds; POST, GET /v1/tasks; GET, DELETE /v1/tasks/{id}; POST /v1/tasks/{id}/cancel
/// and /retry; GET /v1/tasks/{id}/events.
void add_task_routes(Router& router, Engine& engine, SseSubscriber::Limits stream_limits);
/// POST /v1/admin/pause, /v1/admin/resume; GET /v1/admin/status.
void add_admin_routes(Router& router, Engine& engine);
/// GET /healthz (alive), GET /readyz (accepting work: false while starting or draining).
void add_health_routes(Router& router, const std::atomic<bool>& ready);

} // namespace taskstream::http
