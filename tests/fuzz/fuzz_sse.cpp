// Fuzz target: the SSE format both ways. (1) Any bytes: the parser gives the
// same events however the bytes are split into reads (the first byte seeds
// the split). (2) An (id, type, data) the encoder accepts comes back from the
// parser exactly — data with its line breaks normalised to LF — as one event.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "model/sse_encoder.hpp"
#include "model/sse_parser.hpp"

using namespace taskstream;

namespace {

std::vector<SseEvent> parse(std::string_view bytes, unsigned split_seed) {
    std::vector<SseEvent> events;
    SseParser parser([&events](const SseEvent& e) { events.push_back(e); });
    std::size_t at = 0;
    unsigned step = split_seed;
    while (at < bytes.size()) {
        const std::size_t n = split_seed == 0 ? bytes.size() : 1 + (step % 7);
        step = step * 1103515245u + 12345u;
        parser.feed(bytes.substr(at, n));
        at += n;
    }
    return events;
}

bool same(const std::vector<SseEvent>& a, const std::vector<SseEvent>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i].id != b[i].id || a[i].type != b[i].type || a[i].data != b[i].data) return false;
    return true;
}

std::string normalised(std::string_view data) {
    std::string out;
    for (std::size_t i = 0; i < data.size(); ++i) {
        if (data[i] == '\r') {
            out.push_back('\n');
            if (i + 1 < data.size() && data[i + 1] == '\n') ++i;
        } else {
            out.push_back(data[i]);
        }
    }
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* raw, std::size_t size) {
    if (size < 1) return 0;
    const std::string_view input(reinterpret_cast<const char*>(raw + 1), size - 1);

    // (1) Split-invariance of the parser.
    if (!same(parse(input, 0), parse(input, raw[0] | 1u))) std::abort();

    // (2) Round trip: id \0 type \0 data.
    const auto first = input.find('\0');
    if (first == std::string_view::npos) return 0;
    const auto second = input.find('\0', first + 1);
    if (second == std::string_view::npos) return 0;
    const auto id = input.substr(0, first);
    const auto type = input.substr(first + 1, second - first - 1);
    const auto data = input.substr(second + 1);
    if (!sse::is_valid_field(id) || !sse::is_valid_field(type)) return 0;
    const std::string wire = sse::encode_event(id, type, data);
    const auto events = parse(wire, raw[0]);
    if (events.size() != 1) std::abort();
    if (events[0].id != id || events[0].type != type || events[0].data != normalised(data)) std::abort();
    // A comment is never an event.
    if (!parse(sse::encode_comment(input), raw[0]).empty()) std::abort();
    return 0;
}
