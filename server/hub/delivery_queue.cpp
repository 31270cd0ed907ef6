#include "hub/delivery_queue.hpp"

#include <string_view>
#include <unordered_set>

#include "core/metrics.hpp"

namespace taskstream {

namespace {
// Registered at start, so that they show (at 0) before the first use.
auto& progress_merged = metrics::Registry::global().counter(
    "taskstream_stream_progress_merged_total",
    "Stale progress events dropped from a slow reader's queue (a newer one of the same task stays).");
} // namespace

bool DeliveryQueue::push(const EventPtr& event) {
    events_.push_back(event);
    bytes_ += event->wire->size();
    if (events_.size() <= limits_.max_events && bytes_ <= limits_.max_bytes) return true;
    merge_progress();
    if (events_.size() <= limits_.max_events && bytes_ <= limits_.max_bytes) return true;
    events_.clear();
    bytes_ = 0;
    return false;
}

void DeliveryQueue::take_into(std::vector<EventPtr>& out) {
    if (out.empty()) {
        out.swap(events_);  // the common case: no copy, and the capacities trade places
    } else {
        out.insert(out.end(), events_.begin(), events_.end());
        events_.clear();
    }
    bytes_ = 0;
}

/// A reader that fell behind first loses stale progress ticks and waiting notices:
/// of the queued `progress` events of one topic only the newest stays, and so of its
/// `waiting` ones. Nothing else is dropped.
void DeliveryQueue::merge_progress() {
    std::unordered_set<std::string_view> newest_progress, newest_waiting;
    std::vector<EventPtr> kept;
    kept.reserve(events_.size());
    for (auto it = events_.rbegin(); it != events_.rend(); ++it) {
        const auto& e = *it;
        auto* newest = e->type == "progress" ? &newest_progress : e->type == "waiting" ? &newest_waiting : nullptr;
        if (newest && !newest->insert(e->topic).second) {
            bytes_ -= e->wire->size();
            continue;
        }
        kept.push_back(e);
    }
    progress_merged.inc(events_.size() - kept.size());
    events_.assign(kept.rbegin(), kept.rend());
}

} // namespace taskstream
