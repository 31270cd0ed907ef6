#include "http_client.hpp"

#include <algorithm>
#include <future>
#include <stdexcept>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>

namespace taskstream::testing {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

std::string build_request(const std::string& method, const std::string& target, const std::string& body,
                          const Headers& headers, bool keep_alive) {
    std::string r = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (const auto& [k, v] : headers) r += k + ": " + v + "\r\n";
    if (!body.empty() || method == "POST" || method == "PUT") r += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    if (!keep_alive) r += "Connection: close\r\n";
    return r + "\r\n" + body;
}

/// Parses "HTTP/1.1 200 OK\r\nName: value\r\n…" (without the blank line).
HttpResponse parse_head(const std::string& head) {
    HttpResponse r;
    std::size_t pos = head.find("\r\n");
    auto status_line = head.substr(0, pos);
    auto sp = status_line.find(' ');
    if (sp == std::string::npos) throw std::runtime_error("bad status line: " + status_line);
    r.status = static_cast<unsigned>(std::stoul(status_line.substr(sp + 1, 3)));
    while (pos != std::string::npos && pos + 2 < head.size()) {
        auto next = head.find("\r\n", pos + 2);
        auto line = head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
        auto colon = line.find(':');
        if (colon != std::string::npos) {
            auto value = line.substr(colon + 1);
            value.erase(0, value.find_first_not_of(' '));
            r.headers[lower(line.substr(0, colon))] = value;
        }
        pos = next;
    }
    return r;
}

asio::awaitable<void> connect_to(tcp::socket& socket, unsigned short port) {
    const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port);
    co_await socket.async_connect(ep, asio::use_awaitable);
    socket.set_option(tcp::no_delay(true));
}

/// Sends `request` and reads the response head; bytes after it stay in `buffer`.
asio::awaitable<HttpResponse> exchange_head(tcp::socket& socket, const std::string& request, std::string& buffer) {
    co_await asio::async_write(socket, asio::buffer(request), asio::use_awaitable);
    auto n = co_await asio::async_read_until(socket, asio::dynamic_buffer(buffer), "\r\n\r\n", asio::use_awaitable);
    auto head = parse_head(buffer.substr(0, n - 4));
    buffer.erase(0, n);
    co_return head;
}

asio::awaitable<HttpResponse> do_request(tcp::socket& socket, const std::string& request, bool is_head) {
    std::string buffer;
    HttpResponse r = co_await exchange_head(socket, request, buffer);
    auto length = r.header("content-length");
    if (!length.empty() && !is_head && r.status != 204 && r.status != 304) {
        std::size_t want = std::stoul(length);
        if (buffer.size() < want)
            co_await asio::async_read(socket, asio::dynamic_buffer(buffer), asio::transfer_exactly(want - buffer.size()),
                                      asio::use_awaitable);
        r.body = buffer.substr(0, want);
    }
    co_return r;
}

} // namespace

std::string HttpResponse::header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
}

HttpResponse HttpClient::request(const std::string& method, const std::string& target, const std::string& body,
                                 const Headers& headers, std::chrono::milliseconds timeout) {
    const std::string text = build_request(method, target, body, headers, true);
    for (int attempt = 0;; ++attempt) {
        if (!socket_) {
            socket_.emplace(ioc_);
            run_for(ioc_, [](tcp::socket& s, unsigned short p) -> asio::awaitable<int> {
                co_await connect_to(s, p);
                co_return 0;
            }(*socket_, port_), timeout);
        }
        try {
            auto r = run_for(ioc_, do_request(*socket_, text, method == "HEAD"), timeout);
            if (r.header("connection") == "close") socket_.reset();
            return r;
        } catch (const boost::system::system_error&) {
            socket_.reset();  // the server closed the idle connection: one fresh try
            if (attempt > 0) throw;
        }
    }
}

HttpResponse HttpClient::post_json(const std::string& target, const nlohmann::json& body, const Headers& headers) {
    Headers h = headers;
    h.emplace_back("Content-Type", "application/json");
    return request("POST", target, body.dump(), h);
}

nlohmann::json create_task(HttpClient& http, const nlohmann::json& body) {
    auto r = http.post_json("/v1/tasks", body);
    if (r.status != 202) throw std::runtime_error("POST /v1/tasks answered " + std::to_string(r.status) + ": " + r.body);
    return r.json();
}

std::vector<SseEvent> task_events(unsigned short port, const std::string& id, std::chrono::milliseconds timeout) {
    return SseStream(port, "/v1/tasks/" + id + "/events").read_to_end(timeout);
}

std::string raw_exchange(unsigned short port, const std::string& raw, std::chrono::milliseconds timeout) {
    asio::io_context ioc;
    tcp::socket socket(ioc);
    return run_for(ioc, [](tcp::socket& s, unsigned short p, const std::string& bytes) -> asio::awaitable<std::string> {
        co_await connect_to(s, p);
        co_await asio::async_write(s, asio::buffer(bytes), asio::use_awaitable);
        std::string out;
        boost::system::error_code ec;
        co_await asio::async_read(s, asio::dynamic_buffer(out), asio::redirect_error(asio::use_awaitable, ec));
        co_return out;
    }(socket, port, raw), timeout);
}

SseStream::SseStream(unsigned short port, const std::string& target, const Headers& headers,
                     std::chrono::milliseconds timeout)
    : socket_(ioc_), parser_([this](const SseEvent& e) { events_.push_back(e); }) {
    Headers h = headers;
    h.emplace_back("Accept", "text/event-stream");
    open(port, build_request("GET", target, {}, h, true), timeout);
}

SseStream::SseStream(unsigned short port, const std::string& target, const nlohmann::json& body, const Headers& headers)
    : socket_(ioc_), parser_([this](const SseEvent& e) { events_.push_back(e); }) {
    Headers h = headers;
    h.emplace_back("Accept", "text/event-stream");
    h.emplace_back("Content-Type", "application/json");
    open(port, build_request("POST", target, body.dump(), h, true), 10s);
}

void SseStream::open(unsigned short port, const std::string& request, std::chrono::milliseconds timeout) {
    std::string rest;
    head_ = run_for(ioc_, [](tcp::socket& s, unsigned short p, const std::string& req, std::string& buf)
                              -> asio::awaitable<HttpResponse> {
        co_await connect_to(s, p);
        co_return co_await exchange_head(s, req, buf);
    }(socket_, port, request, rest), timeout);
    if (head_.status != 200) {
        // Not a stream: keep the body (a problem document) for the test to read.
        head_.body = rest;
        eof_ = true;
        return;
    }
    parser_.feed(rest);
}

std::optional<SseEvent> SseStream::next(std::chrono::milliseconds timeout) {
    // One deadline for the event, not one per read: heartbeats alone do not extend it.
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (events_.empty() && !eof_) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left <= std::chrono::milliseconds(0))
            throw std::runtime_error("no event within " + std::to_string(timeout.count()) + " ms");
        std::string chunk(16384, '\0');
        auto n = run_for(ioc_, [](tcp::socket& s, std::string& buf) -> asio::awaitable<std::size_t> {
            boost::system::error_code ec;
            auto got = co_await s.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
            co_return ec ? 0 : got;
        }(socket_, chunk), left);
        if (n == 0) eof_ = true;
        else parser_.feed(std::string_view(chunk).substr(0, n));
    }
    if (events_.empty()) return std::nullopt;
    auto e = std::move(events_.front());
    events_.pop_front();
    return e;
}

std::vector<SseEvent> SseStream::read_to_end(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::vector<SseEvent> out;
    while (auto e = next(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now())))
        out.push_back(std::move(*e));
    return out;
}

asio::awaitable<std::vector<SseEvent>> read_stream(unsigned short port, std::string target) {
    tcp::socket socket(co_await asio::this_coro::executor);
    co_await connect_to(socket, port);
    const std::string request = build_request("GET", target, {}, {{"Accept", "text/event-stream"}}, true);
    std::string buffer;
    HttpResponse head = co_await exchange_head(socket, request, buffer);
    if (head.status != 200) throw std::runtime_error("stream answered " + std::to_string(head.status));
    std::vector<SseEvent> events;
    SseParser parser([&](const SseEvent& e) { events.push_back(e); });
    parser.feed(buffer);
    std::string chunk(16384, '\0');
    for (;;) {
        boost::system::error_code ec;
        auto n = co_await socket.async_read_some(asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;
        parser.feed(std::string_view(chunk).substr(0, n));
    }
    co_return events;
}

asio::awaitable<std::vector<std::vector<SseEvent>>> read_streams(unsigned short port, std::vector<std::string> targets) {
    auto executor = co_await asio::this_coro::executor;
    std::vector<std::vector<SseEvent>> results(targets.size());
    std::size_t remaining = targets.size();
    std::exception_ptr failure;
    asio::steady_timer all_done(executor, asio::steady_timer::time_point::max());
    for (std::size_t i = 0; i < targets.size(); ++i)
        asio::co_spawn(executor, read_stream(port, targets[i]), [&, i](std::exception_ptr e, std::vector<SseEvent> events) {
            if (e) failure = e;
            results[i] = std::move(events);
            if (--remaining == 0) all_done.cancel();
        });
    boost::system::error_code ec;
    co_await all_done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (failure) std::rethrow_exception(failure);
    co_return results;
}

boost::asio::ip::tcp::socket open_stalled_stream(boost::asio::io_context& ioc, unsigned short port,
                                                 const std::string& target) {
    boost::asio::ip::tcp::socket socket(ioc);
    socket.open(boost::asio::ip::tcp::v4());
    socket.set_option(boost::asio::socket_base::receive_buffer_size(4096));
    socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
    const std::string request = "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n";
    boost::asio::write(socket, boost::asio::buffer(request));
    return socket;
}

boost::system::error_code read_until_closed(boost::asio::ip::tcp::socket& socket, std::string& drained) {
    boost::system::error_code ec;
    boost::asio::read(socket, boost::asio::dynamic_buffer(drained), ec);
    return ec;
}

} // namespace taskstream::testing
