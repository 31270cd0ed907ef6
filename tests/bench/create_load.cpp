// create_load: measures task creations per second against a running server —
// K keep-alive connections, each POSTing tasks back to back for D seconds.
//
//   create_load PORT [CONNECTIONS=16] [SECONDS=5]
// Prints one JSON line: {"connections", "seconds", "created", "rejected", "per_second", "p50_ms", "p99_ms"}.
#include <algorithm>
#include <chrono>
#include <iostream>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct Totals {
    std::size_t created = 0, rejected = 0;
    std::vector<double> latencies_ms;
};

asio::awaitable<void> client(unsigned short port, Clock::time_point until, Totals& totals) {
    tcp::socket socket(co_await asio::this_coro::executor);
    co_await socket.async_connect({asio::ip::make_address("127.0.0.1"), port}, asio::use_awaitable);
    socket.set_option(tcp::no_delay(true));
    http::request<http::string_body> req{http::verb::post, "/v1/tasks", 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::content_type, "application/json");
    req.body() = R"({"kind":"demo.countdown","params":{"steps":1,"interval_ms":0}})";
    req.prepare_payload();
    boost::beast::flat_buffer buffer;
    while (Clock::now() < until) {
        auto started = Clock::now();
        co_await http::async_write(socket, req, asio::use_awaitable);
        http::response<http::string_body> res;
        co_await http::async_read(socket, buffer, res, asio::use_awaitable);
        totals.latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - started).count());
        (res.result_int() == 202 ? totals.created : totals.rejected)++;
    }
}

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: create_load PORT [CONNECTIONS] [SECONDS]\n";
        return 2;
    }
    const auto port = static_cast<unsigned short>(std::stoi(argv[1]));
    const int connections = argc > 2 ? std::stoi(argv[2]) : 16;
    const int seconds = std::min(argc > 3 ? std::stoi(argv[3]) : 5, 60);  // bounded: stops by itself
    asio::io_context ioc;
    Totals totals;
    const auto until = Clock::now() + std::chrono::seconds(seconds);
    for (int i = 0; i < connections; ++i)
        asio::co_spawn(ioc, client(port, until, totals), [](std::exception_ptr e) {
            if (e) std::cerr << "a client failed\n";
        });
    ioc.run_for(std::chrono::seconds(seconds + 30));
    auto& l = totals.latencies_ms;
    std::sort(l.begin(), l.end());
    auto pct = [&](double p) { return l.empty() ? 0.0 : l[std::min(l.size() - 1, static_cast<std::size_t>(p * l.size()))]; };
    std::cout << nlohmann::json{{"connections", connections}, {"seconds", seconds}, {"created", totals.created},
                                {"rejected", totals.rejected}, {"per_second", totals.created / double(seconds)},
                                {"p50_ms", pct(0.5)}, {"p99_ms", pct(0.99)}}
                     .dump()
              << "\n";
}
