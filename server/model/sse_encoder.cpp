#include "model/sse_encoder.hpp"

#include "core/text.hpp"

namespace taskstream::sse {
namespace {

bool is_control(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }

std::string_view until_control(std::string_view s) {
    for (std::size_t i = 0; i < s.size(); ++i)
        if (is_control(s[i])) return s.substr(0, i);
    return s;
}

void append_data_lines(std::string& out, std::string_view data) {
    std::size_t start = 0;
    for (std::size_t i = 0; i <= data.size(); ++i) {
        bool end = i == data.size();
        if (!end && data[i] != '\r' && data[i] != '\n') continue;
        out.append("data: ").append(data.substr(start, i - start)).push_back('\n');
        if (!end && data[i] == '\r' && i + 1 < data.size() && data[i + 1] == '\n') ++i;
        start = i + 1;
    }
}

} // namespace

std::string encode_event(std::string_view id, std::string_view type, std::string_view data) {
    std::string out;
    out.reserve(data.size() + id.size() + type.size() + 32);
    out.append("id: ").append(until_control(id)).push_back('\n');
    if (auto t = until_control(type); !t.empty()) out.append("event: ").append(t).push_back('\n');
    append_data_lines(out, data);
    out.push_back('\n');
    return out;
}

std::string encode_comment(std::string_view text) {
    std::string out = ": ";
    for (char c : text)
        if (!is_control(c)) out.push_back(c);
    out.append("\n\n");
    return out;
}

std::string encode_retry(unsigned milliseconds) { return "retry: " + std::to_string(milliseconds) + "\n\n"; }

bool is_valid_field(std::string_view text, std::size_t max) {
    if (text.empty() || text.size() > max) return false;
    for (char c : text)
        if (is_control(c)) return false;
    return valid_utf8(text);
}

} // namespace taskstream::sse
