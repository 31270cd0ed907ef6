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
#include "sse_load_common.hpp"

using namespace sse_load;

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
