// queue_load: taskstream's side of the task-queue scenarios of `make bench`
// (DESIGN 9.5); tests/bench/peers/ holds BullMQ's and Celery's. Every mode
// prints one JSON line; the harness adds the server side's CPU (queues.sh).
//
//   queue_load create   --port P --producers N --seconds S [--dedupe]   Q1: durable creations, each acknowledged
//   queue_load run      --port P [--port Q] --tasks N [--keys K]   Q2, Q5: created and run, until the last ended;
//                                                              F1, F2: over K concurrency keys (one at a time each)
//   queue_load drain    --port P [--port Q] --tasks N [--keys K] [--kind KIND]
//                                                              F3, F4: N queued while KIND is paused, then resumed
//   queue_load watch    --port P --rate R --seconds S          Q3: creation -> completion seen on a stream
//   queue_load progress --port P --tasks N --steps K           Q4: each progress step -> a stream reader
#include <atomic>
#include <functional>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include <boost/asio/redirect_error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "core/clock.hpp"
#include "sse_load_common.hpp"

namespace http = boost::beast::http;
using namespace sse_load;

namespace {

constexpr const char* kNoop = R"({"kind":"demo.noop"})";

/// One keep-alive connection POSTing tasks; each answer is read before the next request.
class Producer {
public:
    explicit Producer(unsigned short port) : port_(port) {}

    asio::awaitable<void> connect() {
        socket_.emplace(co_await asio::this_coro::executor);
        co_await socket_->async_connect({asio::ip::make_address("127.0.0.1"), port_}, asio::use_awaitable);
        socket_->set_option(tcp::no_delay(true));
    }

    /// The new task's id; throws unless the answer is a 202.
    asio::awaitable<std::string> create(const std::string& body) {
        const auto res = co_await post("/v1/tasks", body);
        if (res.result_int() != 202) throw std::runtime_error("create answered " + std::to_string(res.result_int()));
        const auto at = res.body().find("\"id\":\"");
        co_return res.body().substr(at + 6, 26);
    }

    asio::awaitable<http::response<http::string_body>> post(const std::string& target, const std::string& body) {
        http::request<http::string_body> req{http::verb::post, target, 11};
        req.set(http::field::host, "127.0.0.1");
        req.set(http::field::content_type, "application/json");
        req.body() = body;
        req.prepare_payload();
        co_await http::async_write(*socket_, req, asio::use_awaitable);
        http::response<http::string_body> res;
        co_await http::async_read(*socket_, buffer_, res, asio::use_awaitable);
        co_return res;
    }

private:
    unsigned short port_;
    std::optional<tcp::socket> socket_;
    boost::beast::flat_buffer buffer_;
};

/// A reader of every task's events (`tasks/*`), calling `on_event(type, data)` for each.
using OnEvent = std::function<void(const std::string& type, const json& data)>;
asio::awaitable<void> watch_tasks(unsigned short port, bool& ready, OnEvent on_event) {
    tcp::socket socket(co_await asio::this_coro::executor);
    const std::string first = co_await open_stream(socket, port, "127.0.0.1", "/v1/events?topic=tasks/*");
    ready = true;
    taskstream::SseParser parser([&](const taskstream::SseEvent& e) { on_event(e.type, json::parse(e.data)); });
    parser.feed(first);
    std::string chunk(65536, '\0');
    for (;;) {
        auto got = co_await socket.async_read_some(asio::buffer(chunk), asio::use_awaitable);
        parser.feed(std::string_view(chunk.data(), got));
    }
}

bool ended(const json& task) { return task.value("finished_at", json()).is_string(); }

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

/// Spawns `work` on `ioc`, reporting (not hiding) a failure.
template <typename Work>
void spawn(asio::io_context& ioc, Work work, bool& failed) {
    asio::co_spawn(ioc, std::move(work), [&failed](std::exception_ptr e) {
        if (!e) return;
        failed = true;
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& x) {
            std::cerr << "queue_load: " << x.what() << "\n";
        }
    });
}

/// Q1 (and F3/F4's dedupe rows: each task with a dedupe key of its own, in join mode).
int create_mode(unsigned short port, int producers, int seconds, bool dedupe) {
    asio::io_context ioc;
    int dedupe_keys = 0;
    std::vector<double> latencies_ms;
    bool failed = false;
    const auto start = Clock::now();
    const auto until = start + std::chrono::seconds(seconds);
    for (int i = 0; i < producers; ++i)
        spawn(ioc, [&, port]() -> asio::awaitable<void> {
            Producer producer(port);
            co_await producer.connect();
            while (Clock::now() < until) {
                std::string body = kNoop;
                if (dedupe) body = R"({"kind":"demo.noop","dedupe":{"key":"d)" + std::to_string(dedupe_keys++) + "\"}}";
                const auto sent = Clock::now();
                co_await producer.create(body);
                latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
            }
        }, failed);
    ioc.run_for(std::chrono::seconds(seconds + 30));
    const double elapsed = seconds_since(start);
    const auto created = latencies_ms.size();
    std::cout << json{{"producers", producers}, {"dedupe", dedupe}, {"created", created}, {"per_second", created / elapsed},
                      {"p50_ms", percentile(latencies_ms, 0.5)},
                      {"p99_ms", percentile(latencies_ms, 0.99)}}
                     .dump()
              << "\n";
    return failed ? 1 : 0;
}

/// The body of the n-th task: `kind`, over `keys` concurrency keys (0: none).
std::function<std::string(int)> keyed_body(const std::string& kind, int keys) {
    return [kind, keys](int n) {
        json body{{"kind", kind}};
        if (keys > 0) body["concurrency_key"] = "k" + std::to_string(n % keys);
        return body.dump();
    };
}

/// `producers` connections spread over `ports` creating `tasks` tasks between them
/// (body_of(n) for the n-th), counting each acknowledged in `created`.
void spawn_producers(asio::io_context& ioc, const std::vector<unsigned short>& ports, int producers, int tasks,
                     int& created, std::function<std::string(int)> body_of, bool& failed) {
    auto next = std::make_shared<int>(0);
    for (int i = 0; i < producers; ++i)
        spawn(ioc, [&created, next, body_of, tasks, port = ports[i % ports.size()]]() -> asio::awaitable<void> {
            Producer producer(port);
            co_await producer.connect();
            while (*next < tasks) {
                const std::string body = body_of((*next)++);
                co_await producer.create(body);
                ++created;
            }
        }, failed);
}

/// Q2 and Q5: `tasks` no-op tasks from eight producers spread over `ports`; ends
/// when the stream on the first port has shown every one of them ended. With `keys`,
/// task i has the concurrency key k<i mod keys> (demo.noop runs one at a time per key).
int run_mode(const std::vector<unsigned short>& ports, int tasks, int producers, int keys) {
    asio::io_context ioc;
    bool ready = false, failed = false;
    int ended_count = 0;
    spawn(ioc, watch_tasks(ports[0], ready, [&](const std::string& type, const json& task) {
        if (type == "state" && task["kind"] == "demo.noop" && ended(task)) ++ended_count;
    }), failed);
    run_until(ioc, [&] { return ready || failed; }, Clock::now() + std::chrono::seconds(10));
    const auto start = Clock::now();
    int created = 0;
    spawn_producers(ioc, ports, producers, tasks, created, keyed_body("demo.noop", keys), failed);
    run_until(ioc, [&] { return ended_count >= tasks || failed; }, start + std::chrono::seconds(120));
    const double elapsed = seconds_since(start);
    std::cout << json{{"tasks", tasks}, {"ended", ended_count}, {"seconds", elapsed}, {"per_second", ended_count / elapsed}}
                     .dump()
              << "\n";
    return failed || ended_count < tasks ? 1 : 0;
}

/// F3, F4: `tasks` tasks of `kind` over `keys` concurrency keys (0: none) created while
/// the kind is paused, then resumed: how fast a full queue drains (and how fast it filled).
int drain_mode(const std::vector<unsigned short>& ports, int tasks, int producers, int keys, const std::string& kind) {
    asio::io_context ioc;
    auto busy = asio::make_work_guard(ioc);  // between its phases nothing runs: run_for must not stop
    bool ready = false, failed = false, switched = false;
    int ended_count = 0, created = 0;
    auto switch_kind = [&](const char* action) -> asio::awaitable<void> {
        Producer admin(ports[0]);
        co_await admin.connect();
        const auto res = co_await admin.post("/v1/kinds/" + kind + "/" + action, "");
        if (res.result_int() != 200) throw std::runtime_error(std::string(action) + " answered " + std::to_string(res.result_int()));
        switched = true;
    };
    spawn(ioc, switch_kind("pause"), failed);
    run_until(ioc, [&] { return switched || failed; }, Clock::now() + std::chrono::seconds(10));
    const auto filling = Clock::now();
    spawn_producers(ioc, ports, producers, tasks, created, keyed_body(kind, keys), failed);
    run_until(ioc, [&] { return created >= tasks || failed; }, filling + std::chrono::seconds(300));
    const double fill_s = seconds_since(filling);
    spawn(ioc, watch_tasks(ports[0], ready, [&](const std::string& type, const json& task) {
        if (type == "state" && task["kind"] == kind && ended(task)) ++ended_count;
    }), failed);
    run_until(ioc, [&] { return ready || failed; }, Clock::now() + std::chrono::seconds(10));
    switched = false;
    const auto start = Clock::now();
    spawn(ioc, switch_kind("resume"), failed);
    run_until(ioc, [&] { return ended_count >= tasks || failed; }, start + std::chrono::seconds(400));
    const double elapsed = seconds_since(start);
    std::cout << json{{"tasks", tasks}, {"keys", keys}, {"kind", kind}, {"created_per_second", created / fill_s},
                      {"ended", ended_count}, {"seconds", elapsed}, {"per_second", ended_count / elapsed}}
                     .dump()
              << "\n";
    return failed || ended_count < tasks ? 1 : 0;
}

/// Q3: no-op tasks created at `rate` a second for `seconds` (four connections, each
/// on its own schedule); the latency of each is from its POST to its end seen on the stream.
int watch_mode(unsigned short port, double rate, int seconds) {
    asio::io_context ioc;
    bool ready = false, failed = false;
    std::unordered_map<std::string, Clock::time_point> sent_at, ended_at;  // either may come first
    std::vector<double> latencies_ms;
    auto pair_up = [&](const std::string& id) {
        auto s = sent_at.find(id), e = ended_at.find(id);
        if (s == sent_at.end() || e == ended_at.end()) return;
        latencies_ms.push_back(std::chrono::duration<double, std::milli>(e->second - s->second).count());
    };
    spawn(ioc, watch_tasks(port, ready, [&](const std::string& type, const json& task) {
        if (type != "state" || !ended(task)) return;
        const std::string id = task["id"];
        ended_at[id] = Clock::now();
        pair_up(id);
    }), failed);
    run_until(ioc, [&] { return ready || failed; }, Clock::now() + std::chrono::seconds(10));
    constexpr int kConnections = 4;
    const int total = static_cast<int>(rate * seconds);
    const auto start = Clock::now();
    for (int c = 0; c < kConnections; ++c)
        spawn(ioc, [&, c]() -> asio::awaitable<void> {
            Producer producer(port);
            co_await producer.connect();
            asio::steady_timer tick(co_await asio::this_coro::executor);
            for (int i = c; i < total; i += kConnections) {
                const auto due = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(i / rate));
                tick.expires_at(due);
                co_await tick.async_wait(asio::use_awaitable);
                const auto sent = Clock::now();
                const std::string id = co_await producer.create(kNoop);
                sent_at[id] = sent;
                pair_up(id);
            }
        }, failed);
    run_until(ioc, [&] { return static_cast<int>(latencies_ms.size()) >= total || failed; },
              start + std::chrono::seconds(seconds + 30));
    const auto seen = latencies_ms.size();
    std::cout << json{{"rate", rate}, {"tasks", total}, {"seen", seen}, {"p50_ms", percentile(latencies_ms, 0.5)},
                      {"p99_ms", percentile(latencies_ms, 0.99)}}
                     .dump()
              << "\n";
    return failed || static_cast<int>(seen) < total ? 1 : 0;
}

/// Q4: `tasks` countdowns of `steps` steps with no pause, one after another; each
/// step's latency is from its `at` (the server's clock, in ms) to its arrival here.
int progress_mode(unsigned short port, int tasks, int steps) {
    asio::io_context ioc;
    bool ready = false, failed = false;
    std::vector<double> latencies_ms;
    std::optional<Clock::time_point> first_step;
    Clock::time_point last_step;
    double flowing_s = 0;  // the sum, over tasks, of first to last step seen
    std::string current;
    bool current_ended = false, all_ended = false;
    std::unordered_set<std::string> ended_ids;
    asio::steady_timer end_seen(ioc);  // cancelled by the stream's handler when `current` ends
    spawn(ioc, watch_tasks(port, ready, [&](const std::string& type, const json& data) {
        if (type == "progress") {
            std::int64_t at = 0;
            taskstream::parse_rfc3339(data["at"].get<std::string>(), at);
            latencies_ms.push_back(static_cast<double>(taskstream::now_ms() - at));
            last_step = Clock::now();
            if (!first_step) first_step = last_step;
        } else if (type == "state" && ended(data)) {
            // Its end may be heard before its creation is answered: kept until then.
            ended_ids.insert(data["id"].get<std::string>());
            if (data["id"] == current) {
                current_ended = true;
                end_seen.cancel();
            }
        }
    }), failed);
    run_until(ioc, [&] { return ready || failed; }, Clock::now() + std::chrono::seconds(10));
    const auto start = Clock::now();
    spawn(ioc, [&]() -> asio::awaitable<void> {
        Producer producer(port);
        co_await producer.connect();
        const std::string body = json{{"kind", "demo.countdown"}, {"params", {{"steps", steps}, {"interval_ms", 0}}}}.dump();
        for (int t = 0; t < tasks; ++t) {
            first_step.reset();
            current_ended = false;
            current = co_await producer.create(body);
            current_ended = ended_ids.contains(current);
            if (!current_ended) {
                end_seen.expires_after(std::chrono::seconds(30));
                boost::system::error_code cancelled;
                co_await end_seen.async_wait(asio::redirect_error(asio::use_awaitable, cancelled));
                if (!current_ended) throw std::runtime_error("a countdown did not end within 30 s");
            }
            if (first_step) flowing_s += std::chrono::duration<double>(last_step - *first_step).count();
        }
        all_ended = true;
    }, failed);
    run_until(ioc, [&] { return all_ended || failed; },
              start + std::chrono::seconds(120));
    const auto seen = latencies_ms.size();
    std::cout << json{{"tasks", tasks}, {"steps", steps}, {"seen", seen},
                      {"steps_per_second", flowing_s > 0 ? seen / flowing_s : 0.0},
                      {"p50_ms", percentile(latencies_ms, 0.5)}, {"p99_ms", percentile(latencies_ms, 0.99)}}
                     .dump()
              << "\n";
    return failed ? 1 : 0;
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"taskstream's side of the task-queue bench scenarios"};
    std::vector<unsigned short> ports;
    int producers = 8, seconds = 5, tasks = 20000, steps = 100, keys = 0;
    double rate = 500;
    bool dedupe = false;
    std::string kind = "demo.noop";
    app.require_subcommand(1);
    auto* create = app.add_subcommand("create", "Q1");
    auto* run = app.add_subcommand("run", "Q2, Q5, F1, F2");
    auto* drain = app.add_subcommand("drain", "F3, F4");
    auto* watch = app.add_subcommand("watch", "Q3");
    auto* progress = app.add_subcommand("progress", "Q4");
    for (auto* mode : {create, run, drain, watch, progress}) {
        mode->add_option("--port", ports, "a server's port (run: one or more)")->required();
    }
    create->add_option("--producers", producers);
    create->add_option("--seconds", seconds)->check(CLI::Range(1, 60));
    create->add_flag("--dedupe", dedupe, "each task with a dedupe key of its own");
    drain->add_option("--tasks", tasks)->check(CLI::Range(1, 100000));
    drain->add_option("--producers", producers);
    drain->add_option("--keys", keys)->check(CLI::Range(0, 100000));
    drain->add_option("--kind", kind, "demo.noop, or demo.noop_metered (a start rate's bookkeeping too)");
    run->add_option("--tasks", tasks)->check(CLI::Range(1, 100000));
    run->add_option("--producers", producers);
    run->add_option("--keys", keys, "concurrency keys the tasks are spread over (0: none)")->check(CLI::Range(0, 100000));
    watch->add_option("--rate", rate)->check(CLI::Range(1.0, 10000.0));
    watch->add_option("--seconds", seconds)->check(CLI::Range(1, 60));
    progress->add_option("--tasks", tasks)->check(CLI::Range(1, 1000));
    progress->add_option("--steps", steps)->check(CLI::Range(1, 10000));
    CLI11_PARSE(app, argc, argv);
    if (*create) return create_mode(ports[0], producers, seconds, dedupe);
    if (*drain) return drain_mode(ports, tasks, producers, keys, kind);
    if (*run) return run_mode(ports, tasks, producers, keys);
    if (*watch) return watch_mode(ports[0], rate, seconds);
    return progress_mode(ports[0], tasks, steps);
}
