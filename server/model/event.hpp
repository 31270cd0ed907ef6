// Event: one entry of the global event log, with its SSE bytes encoded once
// and shared by every subscriber that receives it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace taskstream {

struct Event {
    std::uint64_t seq = 0;       // global order; the SSE id is format_event_id(seq)
    std::string topic;           // "tasks/<id>" or a producer's topic
    std::string kind;            // the task kind of a task event; empty for producers' events
    std::string owner;           // the subject whose task it is (auth); empty for producers' events
    std::string type;            // SSE event type: state, progress, log, or a producer's type
    std::string data;            // payload text (JSON for task events)
    std::int64_t ts_ms = 0;      // when the event was created
    bool terminal = false;       // last event of its topic (a task's final state)
    std::shared_ptr<const std::string> wire;  // "id: …\nevent: …\ndata: …\n\n"
    /// Steady-clock ns when the hub published it (0: read from the store), for
    /// the publish-to-write latency. Written once, before any reader gets it.
    mutable std::int64_t published_ns = 0;
};

using EventPtr = std::shared_ptr<const Event>;

/// Builds the event and encodes its SSE bytes (once, here).
EventPtr make_event(std::uint64_t seq, std::string topic, std::string type, std::string data,
                    std::int64_t ts_ms, bool terminal, std::string kind = {}, std::string owner = {});

} // namespace taskstream
