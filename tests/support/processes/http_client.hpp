// Test clients over real sockets: HttpClient for request/response, SseStream
// for event streams. Every call has a timeout; a timeout throws.
#pragma once

#include <chrono>
#include <deque>
#include <future>
#include <stdexcept>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <nlohmann/json.hpp>

#include "model/sse_parser.hpp"

namespace taskstream::testing {

using taskstream::SseEvent;
using taskstream::SseParser;

using namespace std::chrono_literals;

struct HttpResponse {
    unsigned status = 0;
    std::map<std::string, std::string> headers;  // names in lower case
    std::string body;

    std::string header(const std::string& lower_name) const;
    nlohmann::json json() const { return nlohmann::json::parse(body); }
};

using Headers = std::vector<std::pair<std::string, std::string>>;

/// One keep-alive connection (reopened when the server closes it).
class HttpClient {
public:
    explicit HttpClient(unsigned short port) : port_(port) {}

    HttpResponse request(const std::string& method, const std::string& target, const std::string& body = {},
                         const Headers& headers = {}, std::chrono::milliseconds timeout = 10s);
    HttpResponse get(const std::string& target, const Headers& headers = {}) { return request("GET", target, {}, headers); }
    HttpResponse post_json(const std::string& target, const nlohmann::json& body, const Headers& headers = {});

private:
    boost::asio::io_context ioc_;
    std::optional<boost::asio::ip::tcp::socket> socket_;
    unsigned short port_;
};

/// Writes `raw` on a new connection and reads what comes back until the server
/// closes or `timeout` passes; for malformed-request and timeout tests.
std::string raw_exchange(unsigned short port, const std::string& raw, std::chrono::milliseconds timeout);

/// A GET (or POST) to an event stream, read as EventSource would read it.
class SseStream {
public:
    SseStream(unsigned short port, const std::string& target, const Headers& headers = {},
              std::chrono::milliseconds timeout = 10s);
    /// A POST answered with a stream (create-and-stream), its body sent as JSON.
    SseStream(unsigned short port, const std::string& target, const nlohmann::json& body, const Headers& headers);

    const HttpResponse& response() const { return head_; }
    /// The next event; nullopt once the server ended the stream. Throws on timeout.
    std::optional<SseEvent> next(std::chrono::milliseconds timeout = 10s);
    /// Every event until the end of the stream.
    std::vector<SseEvent> read_to_end(std::chrono::milliseconds timeout = 30s);
    const SseParser& parser() const { return parser_; }
    bool ended() const { return eof_ && events_.empty(); }

private:
    void open(unsigned short port, const std::string& request, std::chrono::milliseconds timeout);

    boost::asio::io_context ioc_;
    boost::asio::ip::tcp::socket socket_;
    HttpResponse head_;
    std::deque<SseEvent> events_;
    SseParser parser_;
    bool eof_ = false;
};

/// POSTs a task and returns it; throws (failing the test) unless it was accepted (202).
nlohmann::json create_task(HttpClient& http, const nlohmann::json& body);
/// Every event of a task's stream, from its start to its end.
std::vector<SseEvent> task_events(unsigned short port, const std::string& id, std::chrono::milliseconds timeout = 30s);

/// Reads a whole stream as a coroutine, so that many can run on one io_context.
boost::asio::awaitable<std::vector<SseEvent>> read_stream(unsigned short port, std::string target);
/// Reads every target to its end concurrently on the calling coroutine's io_context.
boost::asio::awaitable<std::vector<std::vector<SseEvent>>> read_streams(unsigned short port,
                                                                        std::vector<std::string> targets);

/// A stream reader that never reads: a 4 KB receive buffer, the GET of `target`
/// sent, nothing read back — so that the server's writes to it stall.
boost::asio::ip::tcp::socket open_stalled_stream(boost::asio::io_context& ioc, unsigned short port,
                                                 const std::string& target);
/// Reads everything left on `socket` until the server's close; returns what
/// ended it (eof or connection_reset when the server closed it).
boost::system::error_code read_until_closed(boost::asio::ip::tcp::socket& socket, std::string& drained);

/// Runs `op` on `ioc` for at most `timeout`; throws if it has not finished.
template <typename T>
T run_for(boost::asio::io_context& ioc, boost::asio::awaitable<T> op, std::chrono::milliseconds timeout) {
    ioc.restart();
    auto future = boost::asio::co_spawn(ioc, std::move(op), boost::asio::use_future);
    ioc.run_for(timeout);
    if (future.wait_for(std::chrono::seconds(0)) != std::future_status::ready)
        throw std::runtime_error("timed out after " + std::to_string(timeout.count()) + " ms");
    return future.get();
}

} // namespace taskstream::testing
