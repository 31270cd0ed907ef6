// Subscriber: the hub's view of one stream reader (an SSE connection, a test probe).
#pragma once

#include "model/event.hpp"

namespace taskstream {

class FanoutShard;

class Subscriber {
public:
    virtual ~Subscriber() = default;
    /// The shard (delivery thread) it lives on; null: delivered on the
    /// publishing thread, as it happens (tests, probes).
    virtual FanoutShard* home() const { return nullptr; }
    /// Hands over one live event. Called on the home thread with the shard's
    /// lock held: must not block and must not call back into the hub.
    virtual void deliver(const EventPtr& event) = 0;
    /// After a batch of deliveries: the moment to write what they queued.
    virtual void flush() {}
    /// The server is shutting down: send `event: shutdown` and end the stream.
    /// Same threading rules as deliver().
    virtual void shutdown() = 0;
    /// Events meant for it were lost on the way (its shard's inbox overflowed):
    /// end the stream at once, without a goodbye; the client resumes from its
    /// last id. Same threading rules as deliver().
    virtual void cut_off() = 0;
};

} // namespace taskstream
