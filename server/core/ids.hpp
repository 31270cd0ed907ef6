// Identifiers: task ids (ULID: sortable, opaque, URL-safe) and event ids
// (the global event sequence as fixed-width decimal, so that text order and
// numeric order agree).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace taskstream {

/// A new ULID (26 Crockford base32 characters), monotonic within this process.
std::string new_task_id();
/// The lowest ULID of millisecond `ms` (since the epoch): every task id made at or after
/// it sorts at or above it, every one made before it below (ids are in creation order).
std::string task_id_floor(std::int64_t ms);
/// The millisecond a task id was made in (its creation time); 0 for text that is no id.
std::int64_t task_id_ms(std::string_view id);
/// True for text shaped like a ULID (what a path segment must be to name a task).
bool is_task_id(std::string_view text);

/// An event id written into the object itself: 16 decimal digits, zero-padded (20 at
/// most). For the per-event paths that only append it somewhere: a std::string of 16
/// characters is past the short-string buffer and costs an allocation.
struct EventIdText {
    char digits[20];
    std::size_t size;
    std::string_view view() const { return {digits, size}; }
};
EventIdText event_id_text(std::uint64_t seq);
/// Event id text for a sequence number, as a string.
std::string format_event_id(std::uint64_t seq);
/// Parses a client-supplied Last-Event-ID: 1..20 decimal digits. Anything else
/// (including ids of at most 64 [0-9A-Za-z_-] that this server never issues) is nullopt.
std::optional<std::uint64_t> parse_event_id(std::string_view text);

} // namespace taskstream
