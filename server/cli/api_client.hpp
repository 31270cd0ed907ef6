// ApiClient: the command line's HTTP/1.1 client of a taskstream server — Beast
// on the command's own io_context, one connection per request, a timeout on
// every step, and event streams handed over as their bytes arrive.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/http/verb.hpp>
#include <nlohmann/json.hpp>

namespace taskstream::cli {

/// Where the server is: `http://HOST:PORT` (the only scheme this build speaks).
struct ServerAddress {
    std::string host = "127.0.0.1";
    std::string port = "8080";

    /// nullopt when `url` is not an http:// URL with a host.
    static std::optional<ServerAddress> parse(const std::string& url);
    std::string url() const { return "http://" + host + ":" + port; }
};

/// `value` percent-encoded for a query string (topics, kinds, states).
std::string query_value(const std::string& value);

/// The server could not be reached at all (refused, no such host, no answer in time).
struct Unreachable : std::runtime_error {
    using std::runtime_error::runtime_error;
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct ApiRequest {
    boost::beast::http::verb method = boost::beast::http::verb::get;
    std::string target;
    std::optional<nlohmann::json> body;
    HeaderList headers;
};

struct ApiResponse {
    unsigned status = 0;
    std::string location;
    std::string retry_after;
    std::string body;

    /// The body as JSON; null when it is not JSON.
    nlohmann::json json() const;
    /// What a problem document says ("title: detail", then each field error), or the body.
    std::string problem_text() const;
};

/// An open event stream: its bytes as they come, until the server ends it.
class EventStream {
public:
    virtual ~EventStream() = default;
    /// The response's Location header (create-and-stream names the new task there).
    virtual const std::string& location() const = 0;
    /// Appends what arrives next to `out`; false at the end of the stream or
    /// after cancel(). Throws std::runtime_error when nothing came for `idle`.
    virtual boost::asio::awaitable<bool> read(std::string& out, std::chrono::milliseconds idle) = 0;
    /// Ends the stream from another handler on the same io_context (Ctrl-C).
    virtual void cancel() = 0;
};

/// (Callers pass a named request, moved: GCC 12 destroys some temporaries of a
/// co_await expression twice.)
class ApiClient {
public:
    ApiClient(boost::asio::io_context& ioc, ServerAddress server,
              std::chrono::milliseconds timeout = std::chrono::seconds(10));

    const ServerAddress& server() const { return server_; }
    boost::asio::io_context& context() const { return ioc_; }

    /// Sends `request` and reads the whole answer. Throws Unreachable when no
    /// connection could be made, std::runtime_error when the exchange failed after.
    boost::asio::awaitable<ApiResponse> send(ApiRequest request);
    /// Sends `request` asking for an event stream: the stream when the server
    /// answers 200 with text/event-stream, else its answer. Throws as send().
    boost::asio::awaitable<std::variant<std::unique_ptr<EventStream>, ApiResponse>> open(ApiRequest request);

private:
    boost::asio::io_context& ioc_;
    ServerAddress server_;
    std::chrono::milliseconds timeout_;
};

} // namespace taskstream::cli
