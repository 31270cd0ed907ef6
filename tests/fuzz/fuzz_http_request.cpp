// Fuzz target: bytes a client sends, through the real HttpSession and Router,
// over a local socket pair (an in-memory stream: no network). The routes use
// the real request helpers (query, Last-Event-ID, cursors, JSON bodies, task
// requests, topic filters); the first byte picks authentication on or off.
// Every answer must be well-formed HTTP/1.1 with a status the server uses.
#include <sys/socket.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include "auth/ticket_book.hpp"
#include "store/memory_tickets.hpp"
#include "auth/token_verifier.hpp"
#include "auth/verification_keys.hpp"
#include "http/authenticator.hpp"
#include "http/cors_policy.hpp"
#include "http/http_session.hpp"
#include "http/problem.hpp"
#include "http/request_bodies.hpp"
#include "http/request_parsing.hpp"
#include "http/routes.hpp"
#include "http/stream_sweeper.hpp"
#include "hub/hub.hpp"
#include "model/topic_filter.hpp"

namespace asio = boost::asio;
using namespace taskstream;
using namespace taskstream::http;
using beast_http::status;
using beast_http::verb;

namespace {

Reply answer(const Error& error, const RequestContext& ctx) { return make_problem(error, ctx.path); }

void add_routes(Router& router, const std::atomic<bool>& ready) {
    add_health_routes(router, ready, [] { return true; });
    router.add(verb::get, "/v1/tasks", [](RequestContext& ctx) -> asio::awaitable<Reply> {
        auto query = task_query(ctx.query);
        if (!query) co_return answer(query.error(), ctx);
        co_return make_json(status::ok, {{"limit", query->limit}}, ctx.request.version());
    });
    router.add(verb::post, "/v1/tasks", [](RequestContext& ctx) -> asio::awaitable<Reply> {
        auto key = idempotency_key(ctx.request);
        if (!key) co_return answer(key.error(), ctx);
        auto body = json_body(ctx.request);
        if (!body) co_return make_problem(body.error(), ctx.path);
        auto request = parse_create_request(*body);
        if (!request) co_return answer(request.error(), ctx);
        co_return make_json(status::accepted, {{"kind", request->kind}}, ctx.request.version());
    });
    router.add_stream(verb::get, "/v1/tasks/{id}/events", [](RequestContext& ctx) -> asio::awaitable<Reply> {
        auto last = last_event_id(ctx);
        if (!last) co_return answer(last.error(), ctx);
        auto history = history_query(ctx.query);
        if (!history) co_return answer(history.error(), ctx);
        co_return make_json(status::ok, {{"id", ctx.path_params.at(0)}, {"after", history->after}}, ctx.request.version());
    });
    router.add(verb::post, "/v1/topics/{topic+}/events", [](RequestContext& ctx) -> asio::awaitable<Reply> {
        auto body = json_text(ctx.request);
        if (!body) co_return make_problem(body.error(), ctx.path);
        auto events = parse_producer_events(*body);
        if (!events) co_return answer(events.error(), ctx);
        co_return make_json(status::accepted, {{"count", events->size()}}, ctx.request.version());
    });
    router.add_stream(verb::get, "/v1/events", [](RequestContext& ctx) -> asio::awaitable<Reply> {
        auto filter = TopicFilter::parse(query_values(ctx.query, "topic"), query_values(ctx.query, "kind"));
        if (!filter) co_return answer(filter.error(), ctx);
        auto last = last_event_id(ctx);
        if (!last) co_return answer(last.error(), ctx);
        co_return make_json(status::ok, {{"topics", filter->topics.size()}}, ctx.request.version());
    });
}

/// Everything built once: two routers (open, and behind an HS256 guard), a thread's parts.
struct World {
    asio::io_context context;
    Hub hub;
    std::shared_ptr<spdlog::logger> log = std::make_shared<spdlog::logger>("fuzz", std::make_shared<spdlog::sinks::null_sink_mt>());
    SessionOptions options;
    StreamSweeper sweeper{context, options.sse, log};
    FanoutShard& shard = hub.add_shard([this](std::function<void()> f) { asio::post(context, std::move(f)); });
    IoThread thread{context, shard, sweeper};
    std::atomic<bool> ready{true};
    CorsPolicy cors{std::vector<std::string>{"https://app.example"}};
    MemoryTickets kept_tickets{1000};
    std::shared_ptr<TicketBook> tickets = std::make_shared<TicketBook>(kept_tickets, std::chrono::seconds(60));
    std::shared_ptr<const TokenVerifier> verifier = std::make_shared<TokenVerifier>(
        std::vector<VerificationKey>{hs256_key(std::string(32, 'k'))}, TokenRules{});
    Authenticator authenticator{verifier, tickets, "ts_token", cors, false};
    Router open_router;
    Router guarded_router;

    World() {
        options.header_limit = 2048;
        options.body_limit = 8192;
        options.cors = &cors;
        add_routes(open_router, ready);
        add_routes(guarded_router, ready);
        guarded_router.set_guard([this](RequestContext& ctx, bool stream_route) {
            return authenticator.admit(ctx, stream_route);
        });
    }
};

World& world() {
    static World* w = new World();  // never destroyed: the fuzzer exits without running destructors
    return *w;
}

/// "HTTP/1.1 NNN " at each answer's start: the statuses the server sends.
void check_answers(const std::string& out) {
    if (out.empty()) return;
    if (out.rfind("HTTP/1.1 ", 0) != 0 && out.rfind("HTTP/1.0 ", 0) != 0) std::abort();
    const int code = std::atoi(out.c_str() + 9);
    if (code < 100 || code > 599 || code == 500) std::abort();  // 500: a handler threw
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    World& w = world();
    const Router& router = (data[0] & 1) ? w.guarded_router : w.open_router;
    const std::string input(reinterpret_cast<const char*>(data + 1), size - 1);

    asio::local::stream_protocol::socket client(w.context), server_end(w.context);
    asio::local::connect_pair(client, server_end);
    const int big = 1 << 20;
    ::setsockopt(client.native_handle(), SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    ::setsockopt(server_end.native_handle(), SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    boost::system::error_code ec;
    asio::write(client, asio::buffer(input), ec);
    client.shutdown(asio::socket_base::shutdown_send, ec);

    asio::ip::tcp::socket socket(w.context);
    socket.assign(asio::ip::tcp::v4(), server_end.release());
    const asio::ip::tcp::endpoint peer(asio::ip::make_address("127.0.0.1"), 40000);
    asio::co_spawn(w.context, run_http_session(std::move(socket), peer, w.thread, nullptr, router, w.options, w.log),
                   asio::detached);
    w.context.restart();
    w.context.run_for(std::chrono::seconds(5));

    std::string out;
    char buffer[16384];
    client.non_blocking(true, ec);
    for (;;) {
        const std::size_t n = client.read_some(asio::buffer(buffer), ec);
        if (ec) break;
        out.append(buffer, n);
    }
    check_answers(out);
    return 0;
}
