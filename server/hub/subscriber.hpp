// Subscriber: the hub's view of one stream reader (an SSE session, a test probe).
#pragma once

#include "hub/event.hpp"

namespace taskstream {

class Subscriber {
public:
    virtual ~Subscriber() = default;
    /// Hands over one live event. Called on the publishing thread with the hub's
    /// lock held: must not block and must not call back into the hub.
    virtual void deliver(const EventPtr& event) = 0;
    /// The server is shutting down: send `event: shutdown` and end the stream.
    /// Same threading rules as deliver().
    virtual void shutdown() = 0;
};

} // namespace taskstream
