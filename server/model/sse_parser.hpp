// SseParser: a pure parser of the text/event-stream format (WHATWG HTML,
// "server-sent events", event stream interpretation), fed bytes in any
// split, emitting complete events. The command-line client reads streams with
// it, and the tests do, exactly as a browser would.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace taskstream {

struct SseEvent {
    std::string id;      // last event id in force when the event was dispatched
    std::string type = "message";
    std::string data;
};

class SseParser {
public:
    using OnEvent = std::function<void(const SseEvent&)>;
    explicit SseParser(OnEvent on_event) : on_event_(std::move(on_event)) {}

    void feed(std::string_view bytes);

    const std::string& last_event_id() const { return last_id_; }
    std::optional<unsigned> retry_ms() const { return retry_; }
    std::size_t comments() const { return comments_; }

private:
    void line(std::string_view l);
    void dispatch();

    OnEvent on_event_;
    std::string buffer_;
    bool skip_lf_ = false;  // the previous chunk ended in CR: a leading LF belongs to it
    bool first_line_ = true;
    std::string data_, type_, last_id_;
    bool has_data_ = false;
    std::optional<unsigned> retry_;
    std::size_t comments_ = 0;
};

} // namespace taskstream
