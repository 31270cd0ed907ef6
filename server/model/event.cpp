#include "model/event.hpp"

#include "core/ids.hpp"
#include "model/sse_encoder.hpp"

namespace taskstream {

EventPtr make_event(std::uint64_t seq, std::string topic, std::string type, std::string data,
                    std::int64_t ts_ms, bool terminal, std::string kind, std::string owner) {
    auto e = std::make_shared<Event>();
    e->seq = seq;
    e->wire = std::make_shared<const std::string>(sse::encode_event(event_id_text(seq).view(), type, data));
    e->topic = std::move(topic);
    e->kind = std::move(kind);
    e->owner = std::move(owner);
    e->type = std::move(type);
    e->data = std::move(data);
    e->ts_ms = ts_ms;
    e->terminal = terminal;
    return e;
}

} // namespace taskstream
