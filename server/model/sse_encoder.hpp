// SSE wire format (WHATWG "server-sent events"): pure functions, no I/O.
#pragma once

#include <string>
#include <string_view>

namespace taskstream::sse {

/// One event block. `data` may hold any text: every CR, LF or CRLF starts a new
/// `data:` line, so the payload can never end the block or inject fields.
/// `id` and `type` must already be valid (see is_valid_field); they are
/// defensively cut at the first control character.
std::string encode_event(std::string_view id, std::string_view type, std::string_view data);
/// ": text\n\n" — a comment, used as heartbeat; control characters are dropped.
std::string encode_comment(std::string_view text);
/// "retry: N\n\n".
std::string encode_retry(unsigned milliseconds);
/// True when `text` has 1..max bytes of well-formed UTF-8 and no control characters (C0, DEL).
bool is_valid_field(std::string_view text, std::size_t max = 255);

} // namespace taskstream::sse
