// SseConnection: one event stream once its route has accepted it. It takes
// the socket over from the HTTP session (whose buffers are freed then), writes
// the response head and the replay — a page at a time, the next one only when
// the last went out, so a reader that does not read holds one page — then
// live events from its thread's
// FanoutShard: everything queued goes out in one gathered write, first as a
// non-blocking writev and only the rest, if the kernel would not take it all,
// as an asynchronous write. No coroutine and no timer of its own — its
// thread's StreamSweeper sends heartbeats and closes stalled writes — so an
// idle stream costs little more than its socket. On a shared store, a replay
// page the store must supply is read on a pool (`store_reads`) while the
// stream waits, so no I/O thread waits for the network.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "http/io_thread.hpp"
#include "hub/delivery_queue.hpp"
#include "streams/replay.hpp"
#include "hub/subscriber.hpp"

namespace taskstream::http {

/// The response head of every event stream; `fields` ("Name: value\r\n" lines) are added to it.
std::string sse_response_head(const std::string& fields = {});

class SseConnection final : public Subscriber, public std::enable_shared_from_this<SseConnection> {
public:
    /// How the stream ends on its own, and what it holds while it runs.
    struct Setup {
        std::shared_ptr<Replay> replay;  // sent before live events (null: none)
        bool end_after_terminal = true;  // a live terminal event ends the stream
        bool replay_may_end = true;      // a terminal event in the replay does too, once the replay is sent
        std::function<void()> detach;    // leaves the hub; called once, after the end
        std::vector<std::shared_ptr<void>> held;  // released at the end (stream slot, connection count)
        std::string head_fields;                   // more response header lines (Location, CORS)
        /// The credential's end: the stream ends cleanly then (a comment says why),
        /// and the client reconnects with a fresh credential.
        std::optional<std::chrono::steady_clock::time_point> expires_at;
    };

    /// `store_reads`: where replay pages are read from the store (empty: on the stream's thread).
    SseConnection(IoThread& thread, DeliveryQueue::Limits limits, boost::asio::any_io_executor store_reads = {});
    ~SseConnection() override;

    // Subscriber (the thread's shard, shard lock held).
    FanoutShard* home() const override { return &thread_.shard; }
    void deliver(const EventPtr& event) override;
    void flush() override;
    void shutdown() override;
    void cut_off() override;

    /// Takes over `socket` (on its thread): head, replay, then live events. Live
    /// events delivered since the attach wait for it, queued.
    void start(boost::asio::ip::tcp::socket socket, Setup setup);

private:
    friend class StreamSweeper;
    /// The sweeper's look at it: a heartbeat when idle, the end when stalled.
    void sweep(std::chrono::steady_clock::time_point now);

    void write_queued();
    enum class Take { ready, reading, closed };
    /// What the next write sends of the replay (while it lasts) or else of the live
    /// queue. `reading`: the next page is being read on the pool, and write_queued
    /// runs again when it is in; `closed`: the replay could not be read.
    Take take_events();
    /// Reads the replay's next page on the pool, then writes on from this thread.
    void read_page_elsewhere();
    /// The replay could not be read: the stream ends, and its client resumes.
    void replay_failed(const char* why);
    /// Nothing is being written or read for the stream: a write may start.
    bool idle() const { return started_ && !writing_ && !reading_ && !closed_; }
    /// A write went out whole. True when more is to be written (the rest of the
    /// replay, what queued meanwhile); false when there is not, or the stream ended.
    bool written();
    void close(const char* why);
    /// After close, from a fresh handler: out of the sweeper and the hub, slots released.
    void leave_hub();

    IoThread& thread_;
    boost::asio::ip::tcp::socket socket_;
    boost::asio::any_io_executor store_reads_;
    Setup setup_;
    DeliveryQueue queue_;

    // What the next write sends: `prefix_` (head, heartbeat), the queued events, `suffix_` (goodbye).
    std::string prefix_;
    std::string suffix_;
    // What the write in progress sends; kept alive until it completes.
    std::string writing_prefix_;
    std::vector<EventPtr> writing_events_;
    bool writing_live_ = false;  // writing_events_ came from the live queue (not a replay): its latency counts
    std::string writing_suffix_;
    std::vector<boost::asio::const_buffer> buffers_;

    std::chrono::steady_clock::time_point last_write_;
    std::chrono::steady_clock::time_point write_started_;
    std::size_t sweep_index_ = 0;  // its place in the sweeper's list
    bool started_ = false;
    bool writing_ = false;            // an asynchronous write is in progress
    bool reading_ = false;            // a replay page is being read on the pool
    bool terminal_queued_ = false;    // a terminal event was delivered before the start
    bool end_after_write_ = false;    // terminal event or goodbye queued: close once written
    bool replay_ended_ = false;       // the replay held the stream's end: no live event follows it
    bool closed_ = false;
    bool left_hub_ = false;
};

} // namespace taskstream::http
