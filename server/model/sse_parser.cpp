#include "model/sse_parser.hpp"

#include <charconv>

namespace taskstream {

void SseParser::feed(std::string_view bytes) {
    std::size_t i = 0;
    if (skip_lf_ && !bytes.empty()) {
        skip_lf_ = false;
        if (bytes[0] == '\n') i = 1;  // the LF of a CRLF split across chunks
    }
    while (i < bytes.size()) {
        std::size_t end = i;
        while (end < bytes.size() && bytes[end] != '\n' && bytes[end] != '\r') ++end;
        if (end == bytes.size()) {
            buffer_.append(bytes.substr(i));  // an unfinished line: wait for its end
            return;
        }
        if (buffer_.empty()) {
            line(bytes.substr(i, end - i));
        } else {
            buffer_.append(bytes.substr(i, end - i));
            line(buffer_);
            buffer_.clear();
        }
        i = end + 1;
        if (bytes[end] == '\r') {
            if (i == bytes.size()) skip_lf_ = true;
            else if (bytes[i] == '\n') ++i;
        }
    }
}

void SseParser::line(std::string_view l) {
    if (first_line_) {
        first_line_ = false;
        if (l.substr(0, 3) == "\xEF\xBB\xBF") l.remove_prefix(3);  // UTF-8 BOM
    }
    if (l.empty()) return dispatch();
    if (l.front() == ':') {
        ++comments_;
        return;
    }
    auto colon = l.find(':');
    std::string_view field = l.substr(0, colon), value;
    if (colon != std::string_view::npos) {
        value = l.substr(colon + 1);
        if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    }
    if (field == "data") {
        data_.append(value).push_back('\n');
        has_data_ = true;
    } else if (field == "event") {
        type_ = value;
    } else if (field == "id") {
        if (value.find('\0') == std::string_view::npos) last_id_ = value;
    } else if (field == "retry") {
        unsigned ms = 0;
        auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
        if (ec == std::errc{} && p == value.data() + value.size() && !value.empty()) retry_ = ms;
    }
}

void SseParser::dispatch() {
    if (!has_data_) {
        type_.clear();
        return;
    }
    SseEvent e;
    e.id = last_id_;
    e.data = std::move(data_);
    e.data.pop_back();  // the last LF
    if (!type_.empty()) e.type = type_;
    data_.clear();
    type_.clear();
    has_data_ = false;
    on_event_(e);
}

} // namespace taskstream
