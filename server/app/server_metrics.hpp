// The gauges of a running server, read at each scrape of /metrics: open
// connections and streams, unfinished tasks by kind and state, the queue, the
// workers, the build and the process. Registered for the server's lifetime.
#pragma once

#include <memory>
#include <vector>

#include "http/listener.hpp"
#include "hub/hub.hpp"
#include "tasks/engine.hpp"

namespace taskstream {

/// Handles that unregister the gauges when dropped (before the parts they read go).
std::vector<std::shared_ptr<void>> register_server_gauges(const http::Listener& listener, const Hub& hub,
                                                          const Engine& engine);

} // namespace taskstream
