// sse_load: the load generator of `make bench`. Opens N SSE connections to a
// server (spread over source addresses 127.0.0.2…), then either measures what
// idle connections cost the server, or publishes at a fixed rate with a send
// timestamp in each event and measures delivery latency and loss.
//
//   sse_load idle   --port P --pid PID --connections N
//   sse_load many   --port P --pid PID --connections N --heartbeat S   (S6: up to 100,000
//     idle streams on one topic: memory per stream, in the process and in the kernel,
//     whether every stream gets a heartbeat within 1.5 heartbeat periods, then one
//     publish to all of them and its loss)
//   sse_load fanout --port P --pid PID --connections N --topics K --rate R --seconds S
//     [--publish-port Q] [--also-pid PID…]  (publish to another server of a cluster; count
//     the CPU of the other processes serving it too: its other servers, Redis)
// --flavor taskstream|nchan|node picks the peer's URLs (see peers/).
// Prints one JSON object. Bounded: at most 60 s of publishing, 30 s to connect, 10 s to drain.
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

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

namespace {

std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

/// Resident memory of a process, in bytes (from /proc).
std::int64_t rss_bytes(int pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
    return 0;
}

/// User + system CPU seconds of a process (from /proc).
double cpu_seconds(int pid) {
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
asio::awaitable<std::string> open_stream(tcp::socket& socket, unsigned short port, const std::string& source,
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
asio::awaitable<void> subscribe(unsigned short port, std::string source, std::string target, int topic, Stats& stats) {
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
std::size_t announced_length(const std::string& buffer, std::size_t head) {
    const auto at = buffer.find("ontent-Length: ");  // nginx and Node spell it differently
    return at < head ? std::stoul(buffer.substr(at + 15)) : 0;
}

/// One keep-alive publisher connection: POSTs its share of the events at a fixed rate.
asio::awaitable<void> publish(unsigned short port, const Flavor& flavor, int topics, double rate,
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

double percentile(std::vector<double>& v, double p) {
    if (v.empty()) return 0;
    auto k = std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())));
    std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
    return v[k];
}

/// Kernel memory of TCP sockets (the `mem` pages of /proc/net/sockstat), in bytes.
std::int64_t tcp_kernel_bytes() {
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
asio::awaitable<void> hold(unsigned short port, std::string source, std::string target, std::size_t index, Held& held) {
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
void run_until(asio::io_context& ioc, Done done, Clock::time_point deadline) {
    while (!done() && Clock::now() < deadline) ioc.run_for(std::chrono::milliseconds(20));
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"sse_load: SSE load generator for make bench"};
    std::string mode;
    unsigned short port = 0;
    int pid = 0, connections = 1000, topics = 1, per_source = 90;
    double rate = 100, seconds = 10;
    double heartbeat_s = 15;
    app.add_option("mode", mode, "idle, fanout, many or batch")
        ->required()
        ->check(CLI::IsMember({"idle", "fanout", "many", "batch"}));
    int requests = 3000;
    app.add_option("--requests", requests, "batch: one-event requests (a fifth as many of 100 events)")
        ->check(CLI::Range(10, 100000));
    app.add_option("--heartbeat", heartbeat_s, "many: the server's heartbeat period in seconds")->check(CLI::Range(1.0, 60.0));
    app.add_option("--port", port)->required();
    unsigned short publish_port = 0;
    std::vector<int> also_pids;
    app.add_option("--publish-port", publish_port, "where to publish (default: --port)");
    app.add_option("--also-pid", also_pids, "more processes whose CPU the scenario costs");
    app.add_option("--pid", pid, "the server's pid (for RSS and CPU)")->required();
    app.add_option("--connections", connections)->check(CLI::Range(1, 100000));
    app.add_option("--topics", topics)->check(CLI::Range(1, 10000));
    app.add_option("--rate", rate, "events per second in all")->check(CLI::Range(1.0, 1e6));
    app.add_option("--seconds", seconds)->check(CLI::Range(1.0, 60.0));
    app.add_option("--per-source", per_source, "connections per source address (below the per-client limit)");
    Flavor flavor{"taskstream"};
    app.add_option("--flavor", flavor.name, "taskstream, nchan or node")->check(CLI::IsMember({"taskstream", "nchan", "node"}));
    app.add_option("--publish-query", flavor.publish_query, "taskstream: query of each publish (ack=published)");
    CLI11_PARSE(app, argc, argv);
    if (publish_port == 0) publish_port = port;
    if (mode == "many") return run_many(port, pid, connections, per_source, heartbeat_s, flavor);
    if (mode == "batch") return run_batch(port, pid, requests, flavor);
    if (connections > 20000) {
        std::cerr << "idle and fanout take at most 20000 connections\n";
        return 2;
    }
    auto cluster_cpu = [&] {
        double total = cpu_seconds(pid);
        for (int other : also_pids) total += cpu_seconds(other);
        return total;
    };

    asio::io_context ioc(1);
    Stats stats;
    const auto rss_before = rss_bytes(pid);
    for (int i = 0; i < connections; ++i) {
        const std::string source = "127.0." + std::to_string(1 + i / per_source / 250) + "." +
                                   std::to_string(2 + (i / per_source) % 250);
        const int topic = i % topics;
        const std::string target = flavor.subscribe_target(topic);
        asio::co_spawn(ioc, subscribe(port, source, target, topic, stats), asio::detached);
    }
    run_until(ioc, [&] { return stats.connected + stats.failed >= static_cast<std::size_t>(connections); },
              Clock::now() + std::chrono::seconds(30));
    ioc.run_for(std::chrono::milliseconds(500));  // let the server settle its buffers
    json out{{"flavor", flavor.name}, {"mode", mode}, {"connections", stats.connected}, {"failed", stats.failed}};
    if (mode == "idle") {
        const auto rss_after = rss_bytes(pid);
        out["server_rss_before"] = rss_before;
        out["server_rss_after"] = rss_after;
        out["bytes_per_connection"] = stats.connected ? (rss_after - rss_before) / static_cast<std::int64_t>(stats.connected) : 0;
        std::cout << out.dump() << "\n";
        return stats.failed ? 1 : 0;
    }
    const double cpu_before = cluster_cpu();
    const double own_cpu_before = cpu_seconds(getpid());
    const auto started = Clock::now();
    std::size_t sent = 0;
    std::map<int, std::size_t> sent_per_topic;
    const auto until = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    // Each POST waits for its durable commit (a few ms), so the rate needs enough connections.
    const int publishers = std::max(1, std::min(64, static_cast<int>(rate / 100)));
    int publishing = publishers;
    for (int p = 0; p < publishers; ++p)
        asio::co_spawn(ioc, publish(publish_port, flavor, topics, rate / publishers, until, sent, sent_per_topic),
                       [&](std::exception_ptr) { --publishing; });
    // Count what was published, in-flight requests included (a slow server answers late).
    run_until(ioc, [&] { return publishing == 0; }, until + std::chrono::seconds(10));
    std::size_t expected = 0;
    for (const auto& [topic, count] : sent_per_topic) expected += count * stats.per_topic_subscribers[topic];
    run_until(ioc, [&] { return stats.received >= expected; }, Clock::now() + std::chrono::seconds(10));
    const double cpu = cluster_cpu() - cpu_before;
    const double own_cpu = cpu_seconds(getpid()) - own_cpu_before;
    out["rate"] = rate;
    out["seconds"] = seconds;
    out["published"] = sent;
    out["published_per_second"] = static_cast<double>(sent) / seconds;
    out["expected_deliveries"] = expected;
    out["deliveries"] = stats.received;
    out["loss"] = expected > stats.received ? expected - stats.received : 0;
    out["deliveries_per_second"] = static_cast<double>(stats.received) / seconds;
    out["p50_ms"] = percentile(stats.latencies_ms, 0.50);
    out["p99_ms"] = percentile(stats.latencies_ms, 0.99);
    out["max_ms"] = stats.latencies_ms.empty() ? 0 : *std::max_element(stats.latencies_ms.begin(), stats.latencies_ms.end());
    out["server_cpu_seconds"] = cpu;
    // Its own share of its core: near 1, the load generator may be what limits the rate.
    out["load_generator_cpu_share"] = own_cpu / std::chrono::duration<double>(Clock::now() - started).count();
    out["cpu_us_per_delivery"] = stats.received ? cpu * 1e6 / static_cast<double>(stats.received) : 0;
    out["cpu_us_per_publish"] = sent ? cpu * 1e6 / static_cast<double>(sent) : 0;
    out["server_rss"] = rss_bytes(pid);
    std::cout << out.dump() << "\n";
    return 0;
}

namespace {

/// Batched publishing: the server CPU of a request carrying one event against one
/// carrying 100, sent one after another on one keep-alive connection (taskstream).
int run_batch(unsigned short port, int pid, int requests, const Flavor& flavor) {
    asio::io_context ioc;
    tcp::socket socket(ioc);
    socket.connect({asio::ip::make_address("127.0.0.1"), port});
    socket.set_option(tcp::no_delay(true));
    std::string buffer;
    auto post = [&](const std::string& body) {
        asio::write(socket, asio::buffer(flavor.publish_request(0, body)));
        const auto n = asio::read_until(socket, asio::dynamic_buffer(buffer), "\r\n\r\n");
        const std::size_t length = announced_length(buffer, n);
        if (buffer.size() < n + length)
            asio::read(socket, asio::dynamic_buffer(buffer), asio::transfer_exactly(n + length - buffer.size()));
        if (buffer.rfind("HTTP/1.1 202", 0) != 0) throw std::runtime_error("publish refused: " + buffer.substr(0, n));
        buffer.erase(0, n + length);
    };
    auto event = [](int i) { return json{{"type", "tick"}, {"data", {{"n", i}, {"t", 123456789}}}}; };
    json hundred = json::array();
    for (int i = 0; i < 100; ++i) hundred.push_back(event(i));
    const std::string one_body = event(0).dump(), hundred_body = hundred.dump();
    auto cpu_us_per_request = [&](const std::string& body, int count) {
        const double before = cpu_seconds(pid);
        for (int i = 0; i < count; ++i) post(body);
        return (cpu_seconds(pid) - before) * 1e6 / count;
    };
    cpu_us_per_request(one_body, requests / 10);  // warm up
    const double one = cpu_us_per_request(one_body, requests);
    const double batch = cpu_us_per_request(hundred_body, requests / 5);
    json out{{"flavor", flavor.name},         {"mode", "batch"},
             {"ack", flavor.publish_query},    {"requests", requests},
             {"cpu_us_per_one_event", one},    {"cpu_us_per_100_events", batch},
             {"batch_to_one", one > 0 ? batch / one : 0}};
    std::cout << out.dump() << "\n";
    return 0;
}

int run_many(unsigned short port, int pid, int connections, int per_source, double heartbeat_s, const Flavor& flavor) {
    // Two sockets per stream live here (ours and, on loopback, the server's): raise the limit.
    rlimit files{};
    getrlimit(RLIMIT_NOFILE, &files);
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);

    asio::io_context ioc(1);
    Held held;
    held.streams.resize(static_cast<std::size_t>(connections));
    const auto rss_before = rss_bytes(pid);
    const auto kernel_before = tcp_kernel_bytes();
    const auto connect_deadline = Clock::now() + std::chrono::seconds(180);
    for (int i = 0; i < connections && Clock::now() < connect_deadline; ++i) {
        // At most 1,000 opening at once: a burst past the listen backlog only waits on SYN retries.
        run_until(ioc, [&] { return static_cast<int>(held.settled) + 1000 > i; }, connect_deadline);
        const std::string source = "127.0." + std::to_string(1 + i / per_source / 250) + "." +
                                   std::to_string(2 + (i / per_source) % 250);
        asio::co_spawn(ioc, hold(port, source, flavor.subscribe_target(0), static_cast<std::size_t>(i), held),
                       asio::detached);
    }
    run_until(ioc, [&] { return held.settled >= static_cast<std::size_t>(connections); }, connect_deadline);
    json out{{"flavor", flavor.name}, {"mode", "many"}, {"connections", held.connected},
             {"failed", static_cast<std::size_t>(connections) - held.connected}};
    ioc.run_for(std::chrono::milliseconds(500));
    const auto rss_after = rss_bytes(pid);
    const auto kernel_after = tcp_kernel_bytes();
    const auto n = static_cast<std::int64_t>(std::max<std::size_t>(1, held.connected));
    out["server_rss_before"] = rss_before;
    out["server_rss_after"] = rss_after;
    out["bytes_per_stream"] = (rss_after - rss_before) / n;
    out["kernel_bytes_per_stream"] = (kernel_after - kernel_before) / n;  // both ends' sockets: both live here

    // Heartbeats: every stream must read something within 1.5 periods of any moment.
    for (auto& s : held.streams) s.reads = 0;
    const double cpu_before = cpu_seconds(pid);
    const auto window = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.5 * heartbeat_s));
    const auto window_start = Clock::now();
    run_until(ioc, [] { return false; }, window_start + window);
    std::size_t on_time = 0, ended = 0;
    for (const auto& s : held.streams) {
        if (!s.connected) continue;
        if (s.ended) ++ended;
        else if (s.reads > 0) ++on_time;
    }
    out["heartbeat_s"] = heartbeat_s;
    out["heartbeats_on_time"] = on_time;
    out["heartbeats_late"] = held.connected - on_time - ended;
    out["ended_while_idle"] = ended;
    out["server_cpu_idle_seconds"] = cpu_seconds(pid) - cpu_before;

    // One publish to all of them.
    const auto published_at = Clock::now();
    {
        tcp::socket socket(ioc);
        socket.connect({asio::ip::make_address("127.0.0.1"), port});
        const std::string body = flavor.publish_body(json{{"t", now_ns()}, {"n", 0}});
        asio::write(socket, asio::buffer(flavor.publish_request(0, body, true)));
        std::string answer;
        asio::read_until(socket, asio::dynamic_buffer(answer), "\r\n\r\n");
        out["publish_status"] = answer.substr(9, 3);
    }
    const std::size_t live = held.connected - ended;
    run_until(ioc, [&] { return held.delivered >= live; }, published_at + std::chrono::seconds(60));
    out["delivered"] = held.delivered;
    out["loss"] = live - std::min(live, held.delivered);
    out["publish_to_last_delivery_ms"] =
        held.delivered ? std::chrono::duration<double, std::milli>(held.last_delivery - published_at).count() : 0.0;
    std::cout << out.dump() << "\n";
    return held.connected == static_cast<std::size_t>(connections) ? 0 : 1;
}

} // namespace
