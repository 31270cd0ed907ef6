#include "tasks/kind_limits.hpp"

#include "tasks/start_rate.hpp"

namespace taskstream {

namespace {
std::chrono::microseconds spacing_of(const std::string& rate) {
    auto parsed = rate.empty() ? std::nullopt : parse_start_rate(rate);
    return parsed ? parsed->spacing() : std::chrono::microseconds(0);
}
} // namespace

KindLimit dispatch_limits(const TaskKind& kind) {
    return KindLimit{.kind = kind.name,
                     .limit = kind.max_concurrency,
                     .key_limit = kind.key_concurrency,
                     .spacing = spacing_of(kind.rate),
                     .key_spacing = spacing_of(kind.key_rate)};
}

} // namespace taskstream
