#include "core/ids.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <mutex>
#include <random>

#include "core/clock.hpp"

namespace taskstream {
namespace {

constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

struct UlidState {
    std::mutex mutex;
    std::int64_t last_ms = 0;
    std::array<std::uint8_t, 10> random{};  // 80 bits, incremented within one millisecond
    std::mt19937_64 rng{std::random_device{}()};
};

UlidState& state() {
    static UlidState s;
    return s;
}

} // namespace

std::string new_task_id() {
    auto& s = state();
    std::array<std::uint8_t, 16> bytes{};
    {
        std::lock_guard lock(s.mutex);
        std::int64_t ms = now_ms();
        if (ms <= s.last_ms) {
            ms = s.last_ms;  // same (or earlier) millisecond: keep order by incrementing
            for (int i = 9; i >= 0 && ++s.random[i] == 0; --i) {}
        } else {
            s.last_ms = ms;
            for (auto& b : s.random) b = static_cast<std::uint8_t>(s.rng());
            s.random[0] &= 0x7f;  // headroom so increments never overflow the 80 bits
        }
        for (int i = 5; i >= 0; --i) bytes[5 - i] = static_cast<std::uint8_t>(ms >> (8 * i));
        std::copy(s.random.begin(), s.random.end(), bytes.begin() + 6);
    }
    // 128 bits → 26 base32 characters (first character carries 3 bits).
    std::string out(26, '0');
    unsigned __int128 v = 0;
    for (auto b : bytes) v = (v << 8) | b;
    for (int i = 25; i >= 0; --i) {
        out[i] = kCrockford[static_cast<unsigned>(v & 31)];
        v >>= 5;
    }
    return out;
}

std::string task_id_floor(std::int64_t ms) {
    // The 48-bit time is the first 10 characters; the 80 random bits are all zero.
    std::string out(26, '0');
    auto t = static_cast<std::uint64_t>(std::clamp<std::int64_t>(ms, 0, (std::int64_t{1} << 48) - 1));
    for (int i = 9; i >= 0; --i) {
        out[static_cast<std::size_t>(i)] = kCrockford[static_cast<unsigned>(t & 31)];
        t >>= 5;
    }
    return out;
}

std::int64_t task_id_ms(std::string_view id) {
    if (!is_task_id(id)) return 0;
    std::int64_t ms = 0;
    for (std::size_t i = 0; i < 10; ++i) {
        const auto* at = std::find(std::begin(kCrockford), std::end(kCrockford), id[i]);
        ms = (ms << 5) | (at - std::begin(kCrockford));
    }
    return ms;
}

bool is_task_id(std::string_view text) {
    if (text.size() != 26) return false;
    for (char c : text)
        if (std::string_view(kCrockford).find(c) == std::string_view::npos) return false;
    return text[0] <= '7';
}

EventIdText event_id_text(std::uint64_t seq) {
    constexpr std::size_t width = 16;
    EventIdText id{};
    char digits[20];
    const auto length = static_cast<std::size_t>(std::to_chars(digits, digits + sizeof digits, seq).ptr - digits);
    id.size = std::max(width, length);
    std::fill(id.digits, id.digits + (id.size - length), '0');
    std::copy(digits, digits + length, id.digits + (id.size - length));
    return id;
}

std::string format_event_id(std::uint64_t seq) { return std::string(event_id_text(seq).view()); }

std::optional<std::uint64_t> parse_event_id(std::string_view text) {
    if (text.empty() || text.size() > 20) return std::nullopt;
    std::uint64_t v = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
    return v;
}

} // namespace taskstream
