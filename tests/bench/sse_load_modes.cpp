// sse_load's batch and many modes (S4batch, S6), beside the fanout and idle modes of sse_load.cpp.
#include "sse_load_common.hpp"

namespace sse_load {

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

} // namespace sse_load
