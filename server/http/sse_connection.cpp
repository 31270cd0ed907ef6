#include "http/sse_connection.hpp"

#include <random>
#include <span>
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "core/metrics.hpp"
#include "http/stream_sweeper.hpp"
#include "model/sse_encoder.hpp"

namespace taskstream::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

unsigned jittered(unsigned ms) {
    thread_local std::minstd_rand rng{std::random_device{}()};
    return ms + static_cast<unsigned>(rng() % (ms / 2 + 1));
}

/// The goodbye before a clean end: a jittered retry, then an event without an id
/// (so that the client's Last-Event-ID stays the last real event).
std::string shutdown_block(unsigned retry_ms) {
    return sse::encode_retry(jittered(retry_ms)) + "event: shutdown\ndata: {\"reason\":\"server shutting down\"}\n\n";
}

const std::string& heartbeat() {
    static const std::string comment = sse::encode_comment("heartbeat");
    return comment;
}

bool has_terminal(const std::vector<EventPtr>& events) {
    for (const auto& e : events)
        if (e->terminal) return true;
    return false;
}

/// Drops the first `n` written bytes from buffers[first…].
void consume(std::vector<asio::const_buffer>& buffers, std::size_t& first, std::size_t n) {
    while (n > 0 && first < buffers.size()) {
        if (n >= buffers[first].size()) {
            n -= buffers[first].size();
            ++first;
        } else {
            buffers[first] += n;
            n = 0;
        }
    }
    while (first < buffers.size() && buffers[first].size() == 0) ++first;
}

} // namespace

std::string sse_response_head(const std::string& fields) {
    return "HTTP/1.1 200 OK\r\n"
           "Content-Type: text/event-stream\r\n"
           "Cache-Control: no-store\r\n"
           "X-Accel-Buffering: no\r\n"
           "Connection: close\r\n" +
           fields + "\r\n";
}

SseConnection::SseConnection(IoThread& thread, DeliveryQueue::Limits limits, asio::any_io_executor store_reads)
    : thread_(thread), socket_(thread.context), store_reads_(std::move(store_reads)), queue_(limits) {}

SseConnection::~SseConnection() = default;

void SseConnection::start(tcp::socket socket, Setup setup) {
    socket_ = std::move(socket);
    setup_ = std::move(setup);
    if (closed_) {
        // Ended before it began (cut off or shut down right after attaching).
        boost::system::error_code ignored;
        socket_.close(ignored);
        if (left_hub_) leave_hub();
        return;
    }
    started_ = true;
    // Between the attach and now (the first page was read meanwhile, perhaps on a
    // pool) live events queued, and the server may have begun to shut down.
    if (end_after_write_) setup_.replay.reset();  // shutting down: the goodbye, not the history
    if (setup_.end_after_terminal && terminal_queued_) end_after_write_ = true;
    boost::system::error_code ec;
    socket_.non_blocking(true, ec);
    // A small kernel buffer: the server's bound, not the kernel's few MB, decides
    // when a slow reader is cut off.
    if (const auto bytes = thread_.streams.options().send_buffer_bytes; bytes > 0)
        socket_.set_option(asio::socket_base::send_buffer_size(static_cast<int>(bytes)), ec);
    thread_.streams.add(this);
    prefix_ = sse_response_head(setup_.head_fields) + sse::encode_retry(jittered(thread_.streams.options().retry_ms));
    // The client closing its side ends the stream at once, not at the next write.
    socket_.async_wait(tcp::socket::wait_read, [self = shared_from_this()](const boost::system::error_code& e) {
        if (!e) self->close("the client closed its stream");
    });
    write_queued();
}

namespace {

// Registered at start, so that they show (at 0) before the first use.
auto& cut_offs = metrics::Registry::global().counter_family(
    "taskstream_stream_cutoffs_total",
    "Event streams closed by the server so that the client resumes from history: a reader past its queue "
    "bound, events lost on the way to its thread, or a write that made no progress.",
    {"reason"});
auto& cut_off_slow_reader = cut_offs.with({"slow_reader"});
auto& cut_off_lost_on_the_way = cut_offs.with({"lost_on_the_way"});
auto& cut_off_write_timeout = cut_offs.with({"write_timeout"});

auto& publish_to_write = metrics::Registry::global().histogram(
    "taskstream_publish_to_write_seconds",
    "Time from an event's publish to the end of the write that sent it to a stream (the oldest event of "
    "each write; replays not counted).",
    metrics::latency_buckets());

/// From the hub's publish to the end of the socket write that carried the event.
void observe_write_latency(const EventPtr& oldest, std::chrono::steady_clock::time_point now) {
    if (oldest->published_ns == 0) return;
    publish_to_write.observe_ns(now.time_since_epoch().count() - oldest->published_ns);
}

} // namespace

void SseConnection::deliver(const EventPtr& event) {
    if (closed_ || end_after_write_) return;
    if (!queue_.push(event)) {
        cut_off_slow_reader.inc();
        thread_.streams.log().info("sse: reader fell behind its bound; closing, it resumes from history");
        close(nullptr);
        return;
    }
    if (!event->terminal) return;
    if (!started_) terminal_queued_ = true;  // its Setup (whether that ends it) comes with the start
    else if (setup_.end_after_terminal) end_after_write_ = true;
}

void SseConnection::flush() {
    if (idle()) write_queued();
}

void SseConnection::shutdown() {
    if (closed_ || end_after_write_) return;
    setup_.replay.reset();  // the client resumes it from its last id, from this node or another
    suffix_ = shutdown_block(thread_.streams.options().retry_ms);
    end_after_write_ = true;
    flush();
}

void SseConnection::cut_off() {
    if (closed_) return;
    cut_off_lost_on_the_way.inc();
    thread_.streams.log().warn("sse: events for this stream were lost on the way; closing, it resumes from history");
    close(nullptr);
}

SseConnection::Take SseConnection::take_events() {
    writing_events_.clear();
    writing_live_ = false;
    if (setup_.replay) {
        if (store_reads_ && setup_.replay->reads_store_next()) {
            read_page_elsewhere();
            return Take::reading;
        }
        try {
            if (setup_.replay->next_page(writing_events_)) {
                if (setup_.replay_may_end && has_terminal(writing_events_)) replay_ended_ = true;
                return Take::ready;
            }
        } catch (const StoreError& e) {
            replay_failed(e.what());
            return Take::closed;
        }
        setup_.replay.reset();
        if (replay_ended_) {
            // The client got the rest of a finished stream, and that is all.
            std::vector<EventPtr> dropped;
            queue_.take_into(dropped);
            end_after_write_ = true;
        }
    }
    queue_.take_into(writing_events_);
    writing_live_ = true;
    return Take::ready;
}

void SseConnection::read_page_elsewhere() {
    reading_ = true;
    asio::post(store_reads_, [self = shared_from_this(), replay = setup_.replay] {
        std::string failure;
        try {
            replay->read_ahead();
        } catch (const StoreError& e) {
            failure = e.what();
        }
        asio::post(self->thread_.context, [self, failure = std::move(failure)] {
            self->reading_ = false;
            if (self->closed_) return;
            if (!failure.empty()) return self->replay_failed(failure.c_str());
            self->write_queued();  // the page (or, after a shutdown or an expiry, what replaced the replay)
        });
    });
}

void SseConnection::replay_failed(const char* why) {
    thread_.streams.log().warn("sse: closing a stream whose replay could not be read: {}", why);
    close(nullptr);
}

void SseConnection::write_queued() {
    // One pass per write; a write the kernel takes whole goes straight on to the
    // next (the rest of the replay), without a handler in between.
    for (;;) {
        if (take_events() != Take::ready) return;
        if (prefix_.empty() && suffix_.empty() && writing_events_.empty()) {
            if (end_after_write_) close(nullptr);
            return;
        }
        writing_prefix_.swap(prefix_);
        prefix_.clear();
        writing_suffix_.swap(suffix_);
        suffix_.clear();

        buffers_.clear();
        if (!writing_prefix_.empty()) buffers_.emplace_back(asio::buffer(writing_prefix_));
        for (const auto& e : writing_events_) buffers_.emplace_back(asio::buffer(*e->wire));
        if (!writing_suffix_.empty()) buffers_.emplace_back(asio::buffer(writing_suffix_));

        // Most writes fit in the socket's buffer: one writev, no reactor round trip.
        std::size_t first = 0;
        boost::system::error_code ec;
        while (first < buffers_.size()) {
            const std::size_t n =
                socket_.write_some(std::span<const asio::const_buffer>(buffers_).subspan(first), ec);
            if (ec == asio::error::would_block || ec == asio::error::try_again) break;
            if (ec) {
                close(nullptr);
                return;
            }
            consume(buffers_, first, n);
        }
        if (first == buffers_.size()) {
            if (!written()) return;
            continue;
        }
        // The kernel would not take it all (a slow reader): the rest asynchronously.
        buffers_.erase(buffers_.begin(), buffers_.begin() + static_cast<std::ptrdiff_t>(first));
        writing_ = true;
        write_started_ = std::chrono::steady_clock::now();
        asio::async_write(socket_, buffers_,
                          [self = shared_from_this()](const boost::system::error_code& e, std::size_t) {
                              self->writing_ = false;
                              if (e) {
                                  self->close(nullptr);
                                  return;
                              }
                              if (self->written()) self->write_queued();
                          });
        return;
    }
}

bool SseConnection::written() {
    if (closed_) return false;
    last_write_ = std::chrono::steady_clock::now();
    if (writing_live_ && !writing_events_.empty()) observe_write_latency(writing_events_.front(), last_write_);
    writing_events_.clear();
    writing_prefix_.clear();
    writing_suffix_.clear();
    // The rest of the replay or what arrived during an asynchronous write goes
    // next; the end comes after everything queued.
    if (setup_.replay || !queue_.empty() || !prefix_.empty() || !suffix_.empty()) return true;
    if (end_after_write_) close(nullptr);
    return false;
}

void SseConnection::sweep(std::chrono::steady_clock::time_point now) {
    if (closed_ || !started_) return;
    const auto& options = thread_.streams.options();
    if (setup_.expires_at && now >= *setup_.expires_at && !end_after_write_) {
        setup_.replay.reset();
        suffix_ = sse::encode_comment("credential expired");
        end_after_write_ = true;
        flush();
        return;
    }
    if (reading_) return;  // the store read has a deadline of its own
    if (writing_) {
        if (now - write_started_ >= options.write_timeout) {
            cut_off_write_timeout.inc();
            thread_.streams.log().info("sse: closing a stalled stream (no progress for {} ms)",
                                       options.write_timeout.count());
            close(nullptr);
        }
        return;
    }
    if (now - last_write_ >= options.heartbeat) {
        prefix_ = heartbeat();
        write_queued();
    }
}

void SseConnection::close(const char* why) {
    if (closed_) return;
    closed_ = true;
    if (why) thread_.streams.log().debug("sse: {}", why);
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);  // the pending wait (and write) complete with operation_aborted
    // Leaving the hub takes its lock and the shard's, which a delivery may be
    // holding right now: leave from a fresh handler.
    asio::post(thread_.context, [self = shared_from_this()] { self->leave_hub(); });
}

void SseConnection::leave_hub() {
    left_hub_ = true;
    thread_.streams.remove(this);
    if (auto detach = std::exchange(setup_.detach, nullptr)) detach();  // once only
    setup_.held.clear();
    writing_events_.clear();
    setup_.replay.reset();
}

} // namespace taskstream::http
