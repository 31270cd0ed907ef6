// What the load generator's modes share: clocks, the server's CPU and memory,
// delivery statistics, the peers' URLs (Flavor), an SSE subscriber and an idle stream.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <sys/resource.h>
#include <unistd.h>

#include "send_stamp.hpp"
#include "model/sse_parser.hpp"

namespace sse_load {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

inline std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

/// Resident memory of a process, in bytes (from /proc).
inline std::int64_t rss_bytes(int pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
    return 0;
}

/// User + system CPU seconds of a process (from /proc).
inline double cpu_seconds(int pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    auto fields = text.substr(text.rfind(')') + 2);
    std::istringstream in(fields);
    std::vector<std::string> f;
    for (std::string x; in >> x;) f.push_back(x);
    return (std::stod(f.at(11)) + std::stod(f.at(12))) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

struct Stats {
    std::size_t connected = 0, failed = 0, received = 0;
    std::vector<double> latencies_ms;
    std::map<int, std::size_t> per_topic_subscribers;
};

/// Connects `socket` from `source` and asks for `target` as an event stream;
/// returns what came after the head (throws unless it is a 200).
inline asio::awaitable<std::string> open_stream(tcp::socket& socket, unsigned short port, const std::string& source,
                                                const std::string& target) {
    socket.open(tcp::v4());
    socket.bind({asio::ip::make_address(source), 0});
    co_await socket.async_connect({asio::ip::make_address("127.0.0.1"), port}, asio::use_awaitable);
    const std::string request = "GET " + target + " HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n";
    co_await asio::async_write(socket, asio::buffer(request), asio::use_awaitable);
    std::string head;
    auto n = co_await asio::async_read_until(socket, asio::dynamic_buffer(head), "\r\n\r\n", asio::use_awaitable);
    if (head.rfind("HTTP/1.1 200", 0) != 0) throw std::runtime_error("not 200");
    co_return head.substr(n);
}

/// One subscriber: connects from `source`, reads the stream, records latencies.
inline asio::awaitable<void> subscribe(unsigned short port, std::string source, std::string target, int topic, Stats& stats) {
    try {
        tcp::socket socket(co_await asio::this_coro::executor);
        const std::string first = co_await open_stream(socket, port, source, target);
        ++stats.connected;
        ++stats.per_topic_subscribers[topic];
        taskstream::SseParser parser([&](const taskstream::SseEvent& e) {
            auto sent = taskstream::testing::send_stamp(e.data);
            if (!sent) return;
            ++stats.received;
            stats.latencies_ms.push_back(static_cast<double>(now_ns() - *sent) / 1e6);
        });
        parser.feed(first);
        std::string chunk(65536, '\0');
        for (;;) {
            auto got = co_await socket.async_read_some(asio::buffer(chunk), asio::use_awaitable);
            parser.feed(std::string_view(chunk.data(), got));
        }
    } catch (const std::exception&) {
        if (stats.connected == 0) ++stats.failed;
    }
}

/// How a peer names its streams and takes publishes.
struct Flavor {
    std::string name;
    std::string publish_query;  // taskstream: appended to its publish URL (ack=published)
    std::string subscribe_target(int topic) const {
        return name == "taskstream" ? "/v1/events?topic=bench/" + std::to_string(topic) : "/sub/bench_" + std::to_string(topic);
    }
    std::string publish_target(int topic) const {
        if (name != "taskstream") return "/pub/bench_" + std::to_string(topic);
        return "/v1/topics/bench/" + std::to_string(topic) + "/events" + (publish_query.empty() ? "" : "?" + publish_query);
    }
    /// taskstream takes {type, data}; the others send the body as the data.
    std::string publish_body(const json& data) const {
        return name == "taskstream" ? json{{"type", "tick"}, {"data", data}}.dump() : data.dump();
    }
    /// The whole POST of `body` to `topic`, kept alive unless `close`.
    std::string publish_request(int topic, const std::string& body, bool close = false) const {
        return "POST " + publish_target(topic) + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
               (close ? "Connection: close\r\n" : "") + "Content-Length: " + std::to_string(body.size()) +
               "\r\n\r\n" + body;
    }
};

/// The body length an answer's head (its first `head` bytes of `buffer`) announces.
inline std::size_t announced_length(const std::string& buffer, std::size_t head) {
    const auto at = buffer.find("ontent-Length: ");  // nginx and Node spell it differently
    return at < head ? std::stoul(buffer.substr(at + 15)) : 0;
}

/// One keep-alive publisher connection: POSTs its share of the events at a fixed rate.
inline asio::awaitable<void> publish(unsigned short port, const Flavor& flavor, int topics, double rate,
                                     Clock::time_point until, std::size_t& sent, std::map<int, std::size_t>& sent_per_topic) {
    tcp::socket socket(co_await asio::this_coro::executor);
    co_await socket.async_connect({asio::ip::make_address("127.0.0.1"), port}, asio::use_awaitable);
    socket.set_option(tcp::no_delay(true));
    asio::steady_timer tick(socket.get_executor());
    const auto interval = std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 / rate));
    auto next = Clock::now();
    std::string buffer;
    for (std::size_t i = 0; Clock::now() < until; ++i) {
        const int topic = static_cast<int>(i % static_cast<std::size_t>(topics));
        const std::string body = flavor.publish_body(json{{"t", now_ns()}, {"n", i}});
        const std::string request = flavor.publish_request(topic, body);
        co_await asio::async_write(socket, asio::buffer(request), asio::use_awaitable);
        auto n = co_await asio::async_read_until(socket, asio::dynamic_buffer(buffer), "\r\n\r\n", asio::use_awaitable);
        const std::size_t length = announced_length(buffer, n);
        if (buffer.size() < n + length)
            co_await asio::async_read(socket, asio::dynamic_buffer(buffer), asio::transfer_exactly(n + length - buffer.size()),
                                      asio::use_awaitable);
        const bool accepted = buffer.rfind("HTTP/1.1 2", 0) == 0;
        buffer.erase(0, n + length);
        if (accepted) {
            ++sent;
            ++sent_per_topic[topic];
        }
        next += interval;
        tick.expires_at(next);
        co_await tick.async_wait(asio::use_awaitable);
    }
}

inline double percentile(std::vector<double>& v, double p) {
    if (v.empty()) return 0;
    auto k = std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())));
    std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
    return v[k];
}

/// Kernel memory of TCP sockets (the `mem` pages of /proc/net/sockstat), in bytes.
inline std::int64_t tcp_kernel_bytes() {
    std::ifstream sockstat("/proc/net/sockstat");
    for (std::string line; std::getline(sockstat, line);) {
        if (line.rfind("TCP:", 0) != 0) continue;
        auto at = line.find(" mem ");
        if (at != std::string::npos) return std::stoll(line.substr(at + 5)) * sysconf(_SC_PAGESIZE);
    }
    return 0;
}

/// S6's streams: one record each, filled by its coroutine.
struct Held {
    struct Stream {
        Clock::time_point last_read{};
        std::uint32_t reads = 0;  // since the heartbeat window opened
        bool connected = false, ended = false, delivered = false;
    };
    std::vector<Stream> streams;
    std::size_t connected = 0, settled = 0, delivered = 0;
    Clock::time_point last_delivery{};
};

/// One idle stream of S6, reading with a small buffer (100,000 of them are held).
inline asio::awaitable<void> hold(unsigned short port, std::string source, std::string target, std::size_t index, Held& held) {
    auto& me = held.streams[index];
    try {
        tcp::socket socket(co_await asio::this_coro::executor);
        const std::string first = co_await open_stream(socket, port, source, target);
        me.connected = true;
        ++held.connected;
        ++held.settled;
        taskstream::SseParser parser([&](const taskstream::SseEvent& e) {
            if (me.delivered || !taskstream::testing::send_stamp(e.data)) return;
            me.delivered = true;
            ++held.delivered;
            held.last_delivery = Clock::now();
        });
        parser.feed(first);
        std::array<char, 512> chunk;
        for (;;) {
            auto got = co_await socket.async_read_some(asio::buffer(chunk), asio::use_awaitable);
            me.last_read = Clock::now();
            ++me.reads;
            parser.feed(std::string_view(chunk.data(), got));
        }
    } catch (const std::exception&) {
        if (!me.connected) ++held.settled;
        me.ended = true;
    }
}

/// S6: see the header. Prints its JSON and returns the exit code.
int run_many(unsigned short port, int pid, int connections, int per_source, double heartbeat_s, const Flavor& flavor);
int run_batch(unsigned short port, int pid, int requests, const Flavor& flavor);

/// Runs `ioc` until `done()` or `deadline`, in small slices.
template <typename Done>
inline void run_until(asio::io_context& ioc, Done done, Clock::time_point deadline) {
    while (!done() && Clock::now() < deadline) ioc.run_for(std::chrono::milliseconds(20));
}

} // namespace sse_load
