#include "http/http_session.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/rfc7230.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>
#include <array>
#include <cmath>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "core/metrics.hpp"
#include "core/text.hpp"
#include "http/problem.hpp"
#include "http/request_parsing.hpp"

namespace taskstream::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {

// Registered at start, so that it shows before the first request.
auto& http_requests = metrics::Registry::global().counter_family(
    "taskstream_http_requests_total", "HTTP requests answered, by method, route template and status.",
    {"method", "route", "status"});

/// The problem for a failed read, or nullopt when the client simply went away.
std::optional<HttpError> read_failure(const boost::system::error_code& ec, bool timed_out) {
    using S = beast_http::status;
    if (timed_out) return HttpError{S::request_timeout, "the request was not received in time"};
    if (ec == beast_http::error::header_limit)
        return HttpError{S::request_header_fields_too_large, "request headers exceed the limit"};
    if (ec == beast_http::error::body_limit) return HttpError{S::payload_too_large, "request body exceeds the limit"};
    // The read buffer is bounded, so a chunk line or a trailer section cannot grow past it.
    if (ec == beast_http::error::buffer_overflow)
        return HttpError{S::request_header_fields_too_large, "a chunk line or the trailer section exceeds the limit"};
    if (ec.category() == beast_http::make_error_code(beast_http::error::end_of_stream).category() && ec != beast_http::error::end_of_stream &&
        ec != beast_http::error::partial_message)
        return HttpError{S::bad_request, "malformed HTTP request"};
    return std::nullopt;
}

/// Framing we refuse before reading a body (RFC 9112): a Host header missing or
/// repeated, a transfer coding other than chunked (501), Content-Length beside
/// Transfer-Encoding (a smuggling vector).
std::optional<HttpError> framing_problem(const Request& request) {
    using S = beast_http::status;
    const auto hosts = request.count(beast_http::field::host);
    if (hosts > 1 || (hosts == 0 && request.version() >= 11))
        return HttpError{S::bad_request, "an HTTP/1.1 request needs exactly one Host header"};
    const auto codings = request.equal_range(beast_http::field::transfer_encoding);
    if (codings.first == codings.second) return std::nullopt;
    if (request.count(beast_http::field::content_length) > 0)
        return HttpError{S::bad_request, "Content-Length and Transfer-Encoding together are ambiguous"};
    std::size_t count = 0;
    for (auto it = codings.first; it != codings.second; ++it) {
        for (auto coding : beast_http::token_list{it->value()}) {
            ++count;
            if (!beast::iequals(coding, "chunked"))
                return HttpError{S::not_implemented, "the only transfer coding accepted is chunked"};
        }
    }
    if (count != 1) return HttpError{S::bad_request, "chunked must be the one transfer coding, once"};
    return std::nullopt;
}

class Session {
public:
    Session(tcp::socket socket, tcp::endpoint peer, IoThread& thread, std::shared_ptr<void> counted, const Router& router,
            const SessionOptions& options, std::shared_ptr<spdlog::logger> log, bool overloaded)
        : socket_(std::move(socket)), peer_(std::move(peer)), watchdog_(socket_), thread_(thread), counted_(std::move(counted)),
          router_(router), options_(options), log_(std::move(log)), overloaded_(overloaded) {
        // A bound on what one read holds: a header (its own limit), or a chunk
        // line or trailer, which Beast would otherwise buffer whole.
        buffer_.max_size(options_.header_limit + kChunkLineSlack);
    }

    asio::awaitable<void> run() {
        for (bool first = true;; first = false) {
            if (!first && buffer_.size() == 0 && !co_await await_next_request()) break;
            auto [request, problem] = co_await read_request();
            if (!request) {
                if (problem) {
                    auto response = make_problem(*problem, "");
                    if (co_await write_response(response, false)) co_await linger();
                }
                break;
            }
            if (overloaded_) {
                co_await refuse(*request);
                break;
            }
            const bool keep_alive = request->keep_alive() && !(options_.stopping && options_.stopping->load());
            const auto started = std::chrono::steady_clock::now();
            RequestContext ctx = context_for(*request);
            // No ?: around a co_await: GCC 12 miscompiles one.
            Reply reply;
            if (is_preflight(*request)) reply = options_.cors->preflight(*request);
            else reply = co_await route(ctx);
            mark_for_origin(*request, reply);
            if (auto* stream = std::get_if<StreamReply>(&reply); stream && request->method() == beast_http::verb::head)
                reply = stream_head_only(*stream, request->version());
            if (auto* stream = std::get_if<StreamReply>(&reply)) {
                log_access(ctx, 200, 0, started);
                // The stream goes on without this session: its buffers and frame are freed now.
                stream->setup.held.push_back(std::move(counted_));
                stream->connection->start(std::move(socket_), std::move(stream->setup));
                co_return;
            }
            auto& response = std::get<Response>(reply);
            log_access(ctx, response.result_int(), response.body().size(), started);
            if (request->method() == beast_http::verb::head) strip_body(response);
            if (!co_await write_response(response, keep_alive) || !keep_alive) break;
        }
        boost::system::error_code ignored;
        socket_.shutdown(tcp::socket::shutdown_both, ignored);
        socket_.close(ignored);
    }

private:
    static constexpr std::size_t kChunkLineSlack = 16 * 1024;
    static constexpr std::size_t kLingerBytes = 16 << 20;
    static constexpr std::chrono::seconds kLingerTime{2};

    /// After an error answer that ends the connection: stop sending, then read and
    /// drop what the client still sends (bounded in bytes and time), so that a
    /// client that writes its whole body before reading gets the answer instead of
    /// a reset (the kernel resets a socket closed with unread data).
    asio::awaitable<void> linger() {
        boost::system::error_code ec;
        socket_.shutdown(tcp::socket::shutdown_send, ec);
        std::array<char, 16 * 1024> sink;
        std::size_t dropped = 0;
        watchdog_.arm(std::chrono::duration_cast<std::chrono::milliseconds>(kLingerTime));
        while (!ec && dropped < kLingerBytes) {
            const auto n = co_await socket_.async_read_some(asio::buffer(sink), asio::redirect_error(asio::use_awaitable, ec));
            dropped += n;
        }
        watchdog_.disarm();
    }

    /// A CORS preflight, answered before routing and without credentials (browsers send none).
    bool is_preflight(const Request& request) const {
        return options_.cors && request.method() == beast_http::verb::options &&
               request.count(beast_http::field::origin) && request.count(beast_http::field::access_control_request_method);
    }

    /// The CORS fields of an answer to an allowed origin, on a response or a stream's head.
    void mark_for_origin(const Request& request, Reply& reply) const {
        const auto origin = std::string_view(request[beast_http::field::origin]);
        if (!options_.cors || origin.empty()) return;
        if (auto* response = std::get_if<Response>(&reply)) options_.cors->decorate(*response, origin);
        else std::get<StreamReply>(reply).setup.head_fields += options_.cors->fields_for(origin);
    }

    /// A HEAD on a stream route: the stream's head and no stream (it leaves the hub now).
    static Response stream_head_only(StreamReply& stream, unsigned version) {
        if (auto detach = std::exchange(stream.setup.detach, nullptr)) detach();
        Response res{beast_http::status::ok, version};
        res.set(beast_http::field::content_type, "text/event-stream");
        res.set(beast_http::field::cache_control, "no-store");
        return res;
    }

    /// A HEAD answer: the GET's header fields (its Content-Length too), no body.
    static void strip_body(Response& response) {
        const auto length = response.body().size();
        response.body().clear();
        if (response.result() != beast_http::status::not_modified && response.result() != beast_http::status::no_content)
            response.content_length(length);
    }

    /// Over the connection limit: a stream request gets a clean end after a retry
    /// hint (EventSource then reconnects later; any non-200 would stop it for
    /// good), any other request a 503 with Retry-After.
    asio::awaitable<void> refuse(const Request& request) {
        log_->warn("at the connection limit ({}): refusing {}", options_.max_connections,
                   printable(std::string_view(request.target().substr(0, request.target().find('?')))));
        auto target = boost::urls::parse_origin_form(request.target());
        const bool stream_route =
            target && router_.match(request.method(), target->path()).streams && !wants_json(request);
        if (stream_route || accepts_event_stream(request)) {
            const std::string bye = sse_response_head() + "retry: " + std::to_string(options_.sse.retry_ms * 2) + "\n\n";
            boost::system::error_code ec;
            watchdog_.arm(options_.write_timeout);
            co_await asio::async_write(socket_, asio::buffer(bye), asio::redirect_error(asio::use_awaitable, ec));
            watchdog_.disarm();
            co_return;
        }
        auto response = make_problem(make_error(errc::unavailable, "the server is at its connection limit"), "");
        co_await write_response(response, false);
    }

    /// Keep-alive: waits for the first byte of the next request, at most idle_timeout.
    asio::awaitable<bool> await_next_request() {
        boost::system::error_code ec;
        watchdog_.arm(options_.idle_timeout);
        co_await socket_.async_wait(tcp::socket::wait_read, asio::redirect_error(asio::use_awaitable, ec));
        watchdog_.disarm();
        co_return !ec;
    }

    /// A request, or the problem to answer before closing, or neither (the client left).
    struct ReadOutcome {
        std::optional<Request> request;
        std::optional<HttpError> problem;
    };

    asio::awaitable<ReadOutcome> read_request() {
        beast_http::request_parser<beast_http::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(options_.header_limit));
        parser.body_limit(options_.body_limit);
        boost::system::error_code ec;
        watchdog_.arm(options_.header_timeout);
        co_await beast_http::async_read_header(socket_, buffer_, parser, asio::redirect_error(asio::use_awaitable, ec));
        watchdog_.disarm();
        // Beast parses the request line first: if it never finished, that line is what is too long.
        if (ec == beast_http::error::header_limit && parser.get().method_string().empty())
            co_return ReadOutcome{std::nullopt, HttpError{beast_http::status::uri_too_long, "the request line exceeds the limit"}};
        if (ec) co_return ReadOutcome{std::nullopt, read_failure(ec, watchdog_.expired())};
        if (auto problem = framing_problem(parser.get())) co_return ReadOutcome{std::nullopt, std::move(problem)};
        if (!parser.is_done()) {
            if (beast::iequals(parser.get()[beast_http::field::expect], "100-continue")) {
                static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
                watchdog_.arm(options_.write_timeout);
                co_await asio::async_write(socket_, asio::buffer(kContinue),
                                           asio::redirect_error(asio::use_awaitable, ec));
                watchdog_.disarm();
                if (ec) co_return ReadOutcome{};
            }
            watchdog_.arm(options_.body_timeout);
            co_await beast_http::async_read(socket_, buffer_, parser, asio::redirect_error(asio::use_awaitable, ec));
            watchdog_.disarm();
            if (ec) co_return ReadOutcome{std::nullopt, read_failure(ec, watchdog_.expired())};
        }
        co_return ReadOutcome{parser.release(), std::nullopt};
    }

    /// The request's context: its decoded path and query, and the client's address
    /// (named by a trusted proxy, else the peer's).
    RequestContext context_for(const Request& request) {
        RequestContext ctx{request, {}, {}, {}, &thread_, {}};
        target_ok_ = false;
        if (auto target = boost::urls::parse_origin_form(request.target())) {
            ctx.path = target->path();
            ctx.query = std::string(target->encoded_query());
            target_ok_ = valid_utf8(ctx.path) && query_is_utf8(*target);
        }
        ctx.remote_address = options_.trusted_proxies.empty()
                                 ? peer_text_
                                 : options_.trusted_proxies.client_of(peer_.address(), request[beast_http::field::forwarded],
                                                                      request["X-Forwarded-For"]);
        return ctx;
    }

    /// Every decoded key and value of the query is UTF-8 (handlers and JSON rely on it).
    static bool query_is_utf8(const boost::urls::url_view& target) {
        boost::urls::encoding_opts form;
        form.space_as_plus = true;
        for (auto param : target.encoded_params())
            if (!valid_utf8(param.key.decode(form)) || (param.has_value && !valid_utf8(param.value.decode(form))))
                return false;
        return true;
    }

    asio::awaitable<Reply> route(RequestContext& ctx) {
        const Request& request = ctx.request;
        if (!target_ok_)
            co_return make_problem(make_error(errc::bad_request, "malformed request target (it must be percent-encoded UTF-8)"), "");
        try {
            co_return co_await router_.dispatch(ctx);
        } catch (const std::exception& e) {
            log_->error("handler for {} {} failed: {}", std::string(request.method_string()), printable(ctx.path),
                        printable(e.what()));
        }
        co_return make_problem(make_error(errc::internal, "the server could not complete the request"), ctx.path);
    }

    asio::awaitable<bool> write_response(Response& response, bool keep_alive) {
        response.keep_alive(keep_alive);
        response.set(beast_http::field::server, "taskstream");
        boost::system::error_code ec;
        watchdog_.arm(options_.write_timeout);
        co_await beast_http::async_write(socket_, response, asio::redirect_error(asio::use_awaitable, ec));
        watchdog_.disarm();
        co_return !ec;
    }

    /// The route's template, never the path or query: those may carry ids, tickets or
    /// tokens, which stay out of logs. A stream's line is written when it starts.
    void log_access(const RequestContext& ctx, unsigned status, std::size_t bytes,
                    std::chrono::steady_clock::time_point started) {
        count_request(ctx, status);
        if (!options_.access_log) return;
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
        const std::string route = ctx.route.empty() ? "(unmatched)" : std::string(ctx.route);
        const std::string method(ctx.request.method_string());
        if (options_.access_log_json) {
            nlohmann::json line{{"client", ctx.remote_address}, {"method", method}, {"route", route},
                                {"status", status},           {"duration_ms", std::round(ms * 1000) / 1000},
                                {"bytes", bytes}};
            options_.access_log->info("{}", line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        } else {
            options_.access_log->info("{} {} {} {} {:.3f}ms {}", ctx.remote_address, method, route, status, ms, bytes);
        }
    }

    /// Each I/O thread keeps the counters it has used by (route, method, status), so
    /// that a request costs one hash lookup and an atomic add, with no lock and no
    /// allocation (the family's lock is taken once per new combination). Templates
    /// only: label values stay few whatever paths clients send.
    static void count_request(const RequestContext& ctx, unsigned status) {
        struct Key {
            const char* route;  // the router's template string: stable for the process
            beast_http::verb method;
            unsigned status;
            bool operator==(const Key&) const = default;
        };
        struct KeyHash {
            std::size_t operator()(const Key& k) const {
                return std::hash<const void*>()(k.route) ^ (static_cast<std::size_t>(k.method) << 20) ^ k.status;
            }
        };
        thread_local std::unordered_map<Key, metrics::Counter*, KeyHash> counters;
        const Key key{ctx.route.data(), ctx.request.method(), status};
        auto it = counters.find(key);
        if (it == counters.end()) {
            const bool known = ctx.request.method() != beast_http::verb::unknown;
            auto& counter = http_requests.with({known ? std::string(ctx.request.method_string()) : "OTHER",
                                                ctx.route.empty() ? "(unmatched)" : std::string(ctx.route),
                                                std::to_string(status)});
            it = counters.emplace(key, &counter).first;
        }
        it->second->inc();
    }

    tcp::socket socket_;
    tcp::endpoint peer_;  // the client's end of the TCP connection (under TLS the socket is a relay's pair)
    const std::string peer_text_ = peer_.address().to_string();  // once, not per request: inet_ntop costs ~1.7k instructions
    Watchdog watchdog_;
    IoThread& thread_;
    std::shared_ptr<void> counted_;  // this connection in the open-connection count
    beast::flat_buffer buffer_;
    const Router& router_;
    const SessionOptions& options_;
    std::shared_ptr<spdlog::logger> log_;
    bool overloaded_;
    bool target_ok_ = false;
};

} // namespace

asio::awaitable<void> run_http_session(tcp::socket socket, tcp::endpoint peer, IoThread& thread,
                                       std::shared_ptr<void> counted, const Router& router, const SessionOptions& options,
                                       std::shared_ptr<spdlog::logger> log, bool overloaded) {
    Session session(std::move(socket), std::move(peer), thread, std::move(counted), router, options, std::move(log), overloaded);
    co_await session.run();
}

} // namespace taskstream::http
