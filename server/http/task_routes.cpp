#include <boost/beast/http/field.hpp>
#include <boost/url/parse_query.hpp>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/text.hpp"
#include "http/async_bridge.hpp"
#include "http/problem.hpp"
#include "http/request_bodies.hpp"
#include "http/request_parsing.hpp"
#include "http/routes.hpp"

namespace taskstream::http {

namespace asio = boost::asio;
using beast_http::status;
using beast_http::verb;

namespace {

Response problem(const Error& e, const RequestContext& ctx) { return make_problem(e, ctx.path, ctx.request.version()); }

/// Task ids are ULIDs: anything else cannot name a task.
std::optional<Error> check_task_id(const std::string& id) {
    if (is_task_id(id)) return std::nullopt;
    return make_error(errc::not_found, "no task with id '" + id + "'");
}

/// The caller may see (or, with `control`, act on) task `id`: nullopt, or the
/// problem to answer (404 for no such task, 403 for another subject's). A caller
/// who sees every task skips the lookup.
std::optional<Response> check_access(Engine& engine, const RequestContext& ctx, const std::string& id, bool control) {
    const Principal& who = *ctx.principal;
    if (who.admin) return std::nullopt;
    auto task = engine.get(id);
    if (!task) return problem(task.error(), ctx);
    if (control) return forbidden_unless(who.may_control(*task), ctx, "control of this task");
    return forbidden_unless(who.may_see(*task), ctx, "this task");
}

/// A task as GET answers it: with why it waits, when it does.
nlohmann::json task_json(const Task& task, const std::optional<Waiting>& waiting) {
    auto j = to_json(task);
    if (waiting) j["waiting"] = to_json(*waiting);
    return j;
}

using TaskCall = void (Engine::*)(const std::string&, std::function<void(Outcome<Task>)>);

/// POST /v1/tasks/{id}/<action>: one engine call on the task, answered 202 with the task.
Handler task_action(Engine& engine, TaskCall call) {
    return [&engine, call](RequestContext& ctx) -> asio::awaitable<Reply> {
        const auto& id = ctx.path_params[0];
        if (auto bad = check_task_id(id)) co_return problem(*bad, ctx);
        if (auto refused = check_access(engine, ctx, id, true)) co_return std::move(*refused);
        auto start = [&engine, call, &id](auto callback) { (engine.*call)(id, std::move(callback)); };
        auto task = co_await await_callback<Outcome<Task>>(start);
        if (!task) co_return problem(task.error(), ctx);
        co_return make_json(status::accepted, to_json(*task), ctx.request.version());
    };
}

/// GET /v1/tasks/{id}/events with Accept: application/json: a page of the task's
/// committed history, for a page that shows a log tail before it opens a stream.
Response history_page(Engine& engine, const RequestContext& ctx, const std::string& id) {
    auto query = history_query(ctx.query);
    if (!query) return problem(query.error(), ctx);
    auto page = engine.history(id, query->after, query->limit);
    if (!page) return problem(page.error(), ctx);
    nlohmann::json events = nlohmann::json::array();
    for (const auto& e : page->events) {
        auto data = nlohmann::json::parse(e->data, nullptr, false);
        events.push_back({{"id", format_event_id(e->seq)},
                          {"type", e->type},
                          {"data", data.is_discarded() ? nlohmann::json(e->data) : std::move(data)}});
    }
    nlohmann::json body{{"task_id", id}, {"events", std::move(events)}, {"next_after", nullptr}};
    if (page->more) body["next_after"] = format_event_id(page->events.back()->seq);
    return make_json(status::ok, body, ctx.request.version());
}

/// One task's stream, from after `after` (from its start when none) to its
/// terminal event; 204 when the client has seen that already. `location`, when
/// set, is sent as the stream's Location header (create-and-stream).
Reply open_task_stream(Engine& engine, const StreamSettings& streams, const RequestContext& ctx, const std::string& id,
                       std::optional<std::uint64_t> after, std::shared_ptr<void> slot, const std::string& location) {
    auto connection = make_stream(streams, ctx);
    auto start = engine.open_stream(id, after, connection);
    if (!start) return problem(start.error(), ctx);
    if (start->already_ended) {
        // EventSource stops reconnecting on 204.
        Response res{status::no_content, ctx.request.version()};
        res.set(beast_http::field::cache_control, "no-store");
        if (!location.empty()) res.set(beast_http::field::location, location);
        return res;
    }
    SseConnection::Setup setup{
        .replay = std::move(start->replay),
        .end_after_terminal = true,
        .replay_may_end = start->replay_may_end,
        .detach = [&engine, id, raw = connection.get()] { engine.close_stream(id, raw); },
        .held = {std::move(slot)},
        .head_fields = location.empty() ? std::string() : "Location: " + location + "\r\n",
        .expires_at = stream_deadline(ctx)};
    return StreamReply{connection, std::move(setup)};
}

/// The answer to a create: the task (as stored when an Idempotency-Key found it)
/// and its Location; with authentication, a ticket for the task's own stream.
/// (Built outside the coroutine: GCC 12 mishandles a Response assigned in branches of one.)
Response created_answer(const Created& created, const StreamSettings& streams, const RequestContext& ctx,
                        const std::string& location) {
    const auto code = created.existing ? status::ok : status::accepted;
    Response res;
    if (streams.tickets) {
        auto json = created.json ? nlohmann::json::parse(*created.json) : to_json(created.task);
        auto ticket = streams.tickets->mint(*ctx.principal, {location + "/events"}, now_ms());
        if (ticket) json["ticket"] = ticket->ticket;
        res = make_json(code, json, ctx.request.version());
    } else {
        res = created.json ? make_json_text(code, *created.json, ctx.request.version())
                           : make_json(code, to_json(created.task), ctx.request.version());
    }
    res.set(beast_http::field::location, location);
    return res;
}

} // namespace

HttpOutcome<std::shared_ptr<void>> take_stream_slot(const StreamSettings& streams, const RequestContext& ctx) {
    if (!streams.limiter) return std::shared_ptr<void>();
    auto slot = streams.limiter->try_acquire(ctx.remote_address);
    if (!slot) return HttpError{status::too_many_requests, "too many open event streams from this client"};
    return slot;
}

std::shared_ptr<SseConnection> make_stream(const StreamSettings& streams, const RequestContext& ctx) {
    return std::make_shared<SseConnection>(*ctx.thread, streams.limits, streams.store_reads);
}

void add_task_routes(Router& router, Engine& engine, const StreamSettings& streams) {
    router.add(verb::post, "/v1/tasks", [&engine, &streams](RequestContext& ctx) -> asio::awaitable<Reply> {
        auto key = idempotency_key(ctx.request);
        if (!key) co_return problem(key.error(), ctx);
        auto body = json_body(ctx.request);
        if (!body) co_return make_problem(body.error(), ctx.path, ctx.request.version());
        auto request = parse_create_request(*body);
        if (!request) co_return problem(request.error(), ctx);
        if (auto refused = forbidden_unless(ctx.principal->may_create(request->kind), ctx,
                                            "creating tasks of kind '" + request->kind + "'"))
            co_return std::move(*refused);
        request->owner = ctx.principal->subject;
        // Keys are the caller's own: another subject's same key is another task.
        if (*key && !request->owner.empty()) *key = request->owner + "\n" + **key;
        // Create-and-stream: everything that can refuse the stream is checked
        // before the task is made, so that a refusal creates nothing.
        const bool stream = accepts_event_stream(ctx.request);
        std::optional<std::uint64_t> after;
        std::shared_ptr<void> slot;
        if (stream) {
            auto resume = last_event_id(ctx);
            if (!resume) co_return problem(resume.error(), ctx);
            after = *resume;
            auto taken = take_stream_slot(streams, ctx);
            if (!taken) co_return make_problem(taken.error(), ctx.path, ctx.request.version());
            slot = std::move(taken).value();
        }
        // A named lambda with reference captures: GCC 12 destroys lambda temporaries
        // of a co_await expression twice.
        const auto& typed = *request;
        const auto& key_value = *key;
        auto start = [&engine, &typed, &key_value](auto callback) { engine.create(typed, key_value, std::move(callback)); };
        auto created = co_await await_callback<Outcome<Created>>(start);
        if (!created) co_return problem(created.error(), ctx);
        const std::string location = "/v1/tasks/" + created->task.id;
        if (stream) co_return open_task_stream(engine, streams, ctx, created->task.id, after, std::move(slot), location);
        co_return created_answer(*created, streams, ctx, location);
    }, {"last_event_id"});

    router.add(verb::get, "/v1/tasks", [&engine](RequestContext& ctx) -> asio::awaitable<Reply> {
        auto query = task_query(ctx.query);
        if (!query) co_return problem(query.error(), ctx);
        query->owner = ctx.principal->task_scope();
        auto page = engine.list(*query);
        if (!page) co_return problem(page.error(), ctx);
        nlohmann::json body{{"tasks", nlohmann::json::array()}, {"next_cursor", nullptr}};
        const auto waiting = engine.waiting(page->tasks);
        for (std::size_t i = 0; i < page->tasks.size(); ++i) body["tasks"].push_back(task_json(page->tasks[i], waiting[i]));
        std::string next_link;
        if (page->next_before) {
            body["next_cursor"] = encode_cursor(*page->next_before);
            next_link = "</v1/tasks?" + next_page_query(ctx.query, body["next_cursor"]) + ">; rel=\"next\"";
        }
        auto res = make_json(status::ok, body, ctx.request.version());
        if (!next_link.empty()) res.set(beast_http::field::link, next_link);
        co_return res;
    }, {"state", "kind", "tag", "meta.*", "key", "error_type", "created_after", "created_before", "q", "limit", "cursor"});

    // How many tasks are in each state (of a kind): what a filter bar shows beside each state.
    router.add(verb::get, "/v1/task-counts", [&engine](RequestContext& ctx) -> asio::awaitable<Reply> {
        TaskQuery query;
        if (auto kind = query_param(ctx.query, "kind")) query.kind = *kind;
        query.owner = ctx.principal->task_scope();
        auto counts = engine.count(query);
        if (!counts) co_return problem(counts.error(), ctx);
        co_return make_json(status::ok, {{"counts", *counts}}, ctx.request.version());
    }, {"kind"});

    // A bulk action by filter: answered with the system.bulk task that does it (202, its stream
    // shows its progress). It acts as its caller may on one task: on its own, or on any with admin.
    router.add(verb::post, "/v1/tasks/bulk", [&engine, &streams](RequestContext& ctx) -> asio::awaitable<Reply> {
        const Principal& who = *ctx.principal;
        if (auto refused = forbidden_unless(who.control || who.admin, ctx, "bulk actions (the control scope)"))
            co_return std::move(*refused);
        auto key = idempotency_key(ctx.request);
        if (!key) co_return problem(key.error(), ctx);
        auto body = json_body(ctx.request);
        if (!body) co_return make_problem(body.error(), ctx.path, ctx.request.version());
        auto request = parse_bulk_request(*body, who.task_scope());
        if (!request) co_return problem(request.error(), ctx);
        request->owner = who.subject;
        if (*key && !request->owner.empty()) *key = request->owner + "\n" + **key;
        const auto& typed = *request;
        const auto& key_value = *key;
        auto start = [&engine, &typed, &key_value](auto callback) { engine.create(typed, key_value, std::move(callback)); };
        auto created = co_await await_callback<Outcome<Created>>(start);
        if (!created) co_return problem(created.error(), ctx);
        co_return created_answer(*created, streams, ctx, "/v1/tasks/" + created->task.id);
    });

    router.add(verb::post, "/v1/tasks/{id}/cancel", task_action(engine, &Engine::cancel));
    router.add(verb::post, "/v1/tasks/{id}/retry", task_action(engine, &Engine::retry));

    router.add(verb::delete_, "/v1/tasks/{id}", [&engine](RequestContext& ctx) -> asio::awaitable<Reply> {
        const auto& id = ctx.path_params[0];
        if (auto bad = check_task_id(id)) co_return problem(*bad, ctx);
        if (auto refused = check_access(engine, ctx, id, true)) co_return std::move(*refused);
        auto start = [&engine, &id](auto callback) { engine.remove(id, std::move(callback)); };
        auto removed = co_await await_callback<Outcome<bool>>(start);
        if (!removed) co_return problem(removed.error(), ctx);
        Response res{status::no_content, ctx.request.version()};
        co_return res;
    });

    router.add(verb::get, "/v1/tasks/{id}", [&engine](RequestContext& ctx) -> asio::awaitable<Reply> {
        const auto& id = ctx.path_params[0];
        if (auto bad = check_task_id(id)) co_return problem(*bad, ctx);
        auto task = engine.get(id);
        if (!task) co_return problem(task.error(), ctx);
        if (auto refused = forbidden_unless(ctx.principal->may_see(*task), ctx, "this task")) co_return std::move(*refused);
        co_return make_json(status::ok, task_json(*task, engine.waiting({*task}).front()), ctx.request.version());
    });

    router.add_stream(verb::get, "/v1/tasks/{id}/events",
               [&engine, &streams](RequestContext& ctx) -> asio::awaitable<Reply> {
                   const auto& id = ctx.path_params[0];
                   if (auto bad = check_task_id(id)) co_return problem(*bad, ctx);
                   if (auto refused = check_access(engine, ctx, id, false)) co_return std::move(*refused);
                   if (wants_json(ctx.request)) co_return history_page(engine, ctx, id);
                   auto after = last_event_id(ctx);
                   if (!after) co_return problem(after.error(), ctx);
                   auto slot = take_stream_slot(streams, ctx);
                   if (!slot) co_return make_problem(slot.error(), ctx.path, ctx.request.version());
                   co_return open_task_stream(engine, streams, ctx, id, *after, std::move(slot).value(), {});
               }, {"after", "limit", "last_event_id"});
}

} // namespace taskstream::http
