#include "cli/api_client.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

namespace taskstream::cli {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::optional<ServerAddress> ServerAddress::parse(const std::string& url) {
    auto parsed = boost::urls::parse_absolute_uri(url);
    if (!parsed || parsed->scheme() != "http" || parsed->host().empty()) return std::nullopt;
    if (!parsed->encoded_path().empty() && parsed->encoded_path() != "/") return std::nullopt;
    ServerAddress a;
    a.host = std::string(parsed->host_address());
    a.port = parsed->has_port() ? std::string(parsed->port()) : "80";
    return a;
}

std::string query_value(const std::string& value) { return boost::urls::encode(value, boost::urls::unreserved_chars); }

nlohmann::json ApiResponse::json() const { return nlohmann::json::parse(body, nullptr, false); }

std::string ApiResponse::problem_text() const {
    auto j = json();
    if (!j.is_object() || !j.contains("title")) return body.empty() ? "HTTP " + std::to_string(status) : body;
    std::string text = j.value("title", "");
    if (auto detail = j.value("detail", ""); !detail.empty()) text += ": " + detail;
    if (auto it = j.find("errors"); it != j.end() && it->is_array())
        for (const auto& e : *it) text += "\n  " + e.value("pointer", "") + ": " + e.value("detail", "");
    return text;
}

namespace {

/// A connected stream and what was read past the response head.
struct Connection {
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
    explicit Connection(asio::io_context& ioc) : stream(ioc) {}
};

http::request<http::string_body> build(const ApiRequest& r, const ServerAddress& server) {
    http::request<http::string_body> req{r.method, r.target, 11};
    req.set(http::field::host, server.host + ":" + server.port);
    req.set(http::field::user_agent, "taskstream-cli");
    for (const auto& [name, value] : r.headers) req.set(name, value);
    if (r.body) {
        req.set(http::field::content_type, "application/json");
        req.body() = r.body->dump();
    }
    req.prepare_payload();
    return req;
}

asio::awaitable<std::unique_ptr<Connection>> connect(asio::io_context& ioc, const ServerAddress& server,
                                                     std::chrono::milliseconds timeout) {
    auto c = std::make_unique<Connection>(ioc);
    try {
        tcp::resolver resolver(ioc);
        auto endpoints = co_await resolver.async_resolve(server.host, server.port, asio::use_awaitable);
        c->stream.expires_after(timeout);
        co_await c->stream.async_connect(endpoints, asio::use_awaitable);
    } catch (const boost::system::system_error& e) {
        throw Unreachable("cannot reach " + server.url() + ": " + e.code().message());
    }
    co_return c;
}

ApiResponse head_of(const http::response_header<>& h) {
    ApiResponse r;
    r.status = h.result_int();
    r.location = std::string(h[http::field::location]);
    r.retry_after = std::string(h[http::field::retry_after]);
    return r;
}

/// The rest of a response whose head is read: its body, whole.
asio::awaitable<ApiResponse> read_rest(Connection& c, http::response_parser<http::empty_body>& head,
                                       std::chrono::milliseconds timeout) {
    http::response_parser<http::string_body> full{std::move(head)};
    full.body_limit(64 * 1024 * 1024);
    c.stream.expires_after(timeout);
    co_await http::async_read(c.stream, c.buffer, full, asio::use_awaitable);
    auto r = head_of(full.get().base());
    r.body = std::move(full.get().body());
    co_return r;
}

class BeastEventStream final : public EventStream {
public:
    BeastEventStream(std::unique_ptr<Connection> c, http::response_parser<http::empty_body>& head)
        : c_(std::move(c)), parser_(std::move(head)), location_(parser_.get()[http::field::location]) {
        parser_.body_limit(boost::none);  // a stream has no end of its own
    }

    const std::string& location() const override { return location_; }

    asio::awaitable<bool> read(std::string& out, std::chrono::milliseconds idle) override {
        if (cancelled_ || parser_.is_done()) co_return false;
        char chunk[16 * 1024];
        parser_.get().body().data = chunk;
        parser_.get().body().size = sizeof chunk;
        c_->stream.expires_after(idle);
        boost::system::error_code ec;
        co_await http::async_read_some(c_->stream, c_->buffer, parser_, asio::redirect_error(asio::use_awaitable, ec));
        out.append(chunk, sizeof chunk - parser_.get().body().size);
        if (cancelled_) co_return false;
        if (ec == http::error::need_buffer) ec = {};
        if (ec == beast::error::timeout) throw std::runtime_error("no data from the server for " +
                                                                  std::to_string(idle.count() / 1000) + " s");
        if (ec == http::error::end_of_stream || ec == asio::error::eof) co_return false;
        if (ec) throw std::runtime_error("the stream broke: " + ec.message());
        co_return true;
    }

    void cancel() override {
        cancelled_ = true;
        c_->stream.cancel();
    }

private:
    std::unique_ptr<Connection> c_;
    http::response_parser<http::buffer_body> parser_;
    std::string location_;
    bool cancelled_ = false;
};

} // namespace

ApiClient::ApiClient(asio::io_context& ioc, ServerAddress server, std::chrono::milliseconds timeout)
    : ioc_(ioc), server_(std::move(server)), timeout_(timeout) {}

asio::awaitable<ApiResponse> ApiClient::send(ApiRequest request) {
    auto c = co_await connect(ioc_, server_, timeout_);
    auto req = build(request, server_);
    req.keep_alive(false);
    try {
        co_await http::async_write(c->stream, req, asio::use_awaitable);
        http::response_parser<http::empty_body> head;
        co_await http::async_read_header(c->stream, c->buffer, head, asio::use_awaitable);
        co_return co_await read_rest(*c, head, timeout_);
    } catch (const boost::system::system_error& e) {
        throw std::runtime_error(std::string(request.target) + ": " + e.code().message());
    }
}

asio::awaitable<std::variant<std::unique_ptr<EventStream>, ApiResponse>> ApiClient::open(ApiRequest request) {
    auto c = co_await connect(ioc_, server_, timeout_);
    request.headers.emplace_back("Accept", "text/event-stream");
    auto req = build(request, server_);
    try {
        c->stream.expires_after(timeout_);
        co_await http::async_write(c->stream, req, asio::use_awaitable);
        http::response_parser<http::empty_body> head;
        co_await http::async_read_header(c->stream, c->buffer, head, asio::use_awaitable);
        const auto& h = head.get();
        if (h.result() == http::status::ok && h[http::field::content_type].starts_with("text/event-stream"))
            co_return std::unique_ptr<EventStream>(std::make_unique<BeastEventStream>(std::move(c), head));
        co_return co_await read_rest(*c, head, timeout_);
    } catch (const boost::system::system_error& e) {
        throw std::runtime_error(std::string(request.target) + ": " + e.code().message());
    }
}

} // namespace taskstream::cli
