#include "streams/replay.hpp"

namespace taskstream {

Replay::Replay(std::vector<EventPtr> events) : pending_(std::move(events)) {}

Replay::Replay(Store& store, StreamSource source, std::uint64_t after, std::uint64_t store_upto,
               std::vector<EventPtr> recent, ReadLimit page)
    : store_(&store), source_(std::move(source)), cursor_(after), store_upto_(store_upto), recent_(std::move(recent)),
      page_(page) {}

bool Replay::next_page(std::vector<EventPtr>& out) {
    fill();
    if (pending_.empty()) return false;
    if (out.empty()) out.swap(pending_);
    else out.insert(out.end(), pending_.begin(), pending_.end());
    pending_.clear();
    return true;
}

bool Replay::exhausted() {
    fill();
    return pending_.empty();
}

void Replay::fill() {
    if (!pending_.empty()) return;
    while (store_ && cursor_ < store_upto_) {
        pending_ = source_.filter ? store_->load_matching(*source_.filter, cursor_, store_upto_, page_)
                                  : store_->load_events(source_.topic, cursor_, store_upto_, page_);
        cursor_ = pending_.empty() ? store_upto_ : pending_.back()->seq;
        if (!pending_.empty()) return;
    }
    std::size_t bytes = 0;
    while (recent_next_ < recent_.size() && pending_.size() < page_.events && bytes < page_.bytes) {
        bytes += recent_[recent_next_]->wire->size();
        pending_.push_back(std::move(recent_[recent_next_++]));
    }
    if (recent_next_ == recent_.size()) recent_.clear();
}

} // namespace taskstream
