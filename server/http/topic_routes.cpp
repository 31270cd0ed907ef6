#include "core/ids.hpp"
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

/// `?ack=committed` (the default: answered after the commit) or `?ack=published`
/// (answered once the events have ids and are on their way; committed with the next group commit).
Outcome<PublishAck> publish_ack(std::string_view query) {
    const auto ack = query_param(query, "ack");
    if (!ack || *ack == "committed") return PublishAck::committed;
    if (*ack == "published") return PublishAck::published;
    return make_error(errc::bad_request, "ack must be committed or published");
}

/// The 202's body, `{"ids":[…],"topic":…}` (a JSON object's order), written directly:
/// it answers every publish, and a JSON object would cost a dozen allocations. Ids are digits.
std::string accepted_body(const std::string& topic, const std::vector<std::uint64_t>& seqs) {
    std::string body;
    body.reserve(24 + seqs.size() * 19 + topic.size() * 2);
    body += R"({"ids":[)";
    for (std::size_t i = 0; i < seqs.size(); ++i) {
        if (i > 0) body += ',';
        body += '"';
        body += event_id_text(seqs[i]).view();
        body += '"';
    }
    body += R"(],"topic":")";
    // A topic is UTF-8 without control characters (topic_problem): only " and \ need escaping.
    for (const char c : topic) {
        if (c == '"' || c == '\\') body += '\\';
        body += c;
    }
    body += R"("})";
    return body;
}

} // namespace

void add_topic_routes(Router& router, TopicService& topics, Engine& engine, const StreamSettings& streams,
                      RateLimiter& publish_rate) {
    router.add(verb::post, "/v1/topics/{topic+}/events", [&topics, &publish_rate](RequestContext& ctx) -> asio::awaitable<Reply> {
        const auto& topic = ctx.path_params[0];
        if (auto bad = topic_problem(topic)) co_return make_problem(make_error(errc::bad_request, *bad), ctx.path);
        if (auto refused = forbidden_unless(ctx.principal->may_publish(topic), ctx, "publishing to '" + topic + "'"))
            co_return std::move(*refused);
        if (publish_rate.enabled()) {
            const auto& caller = ctx.principal->subject.empty() ? ctx.remote_address : ctx.principal->subject;
            if (const auto wait_ms = publish_rate.take(caller, std::chrono::steady_clock::now()); wait_ms > 0) {
                auto res = make_problem(make_error(errc::rate_limited, "past this caller's publish rate"), ctx.path);
                res.set(beast_http::field::retry_after, std::to_string((wait_ms + 999) / 1000));
                co_return res;
            }
        }
        auto ack = publish_ack(ctx.query);
        if (!ack) co_return make_problem(ack.error(), ctx.path);
        auto body = json_text(ctx.request);
        if (!body) co_return make_problem(body.error(), ctx.path);
        auto events = parse_producer_events(*body);
        if (!events) co_return make_problem(events.error(), ctx.path);
        auto& list = *events;
        auto start = [&topics, &topic, &list, ack = *ack](auto callback) {
            topics.publish(topic, std::move(list), ack, callback);
        };
        auto seqs = co_await await_callback<Outcome<std::vector<std::uint64_t>>>(start);
        if (!seqs) co_return make_problem(seqs.error(), ctx.path);
        co_return make_json_text(status::accepted, accepted_body(topic, *seqs), ctx.request.version());
    }, {"ack"});

    router.add_stream(verb::get, "/v1/events", [&topics, &engine, &streams](RequestContext& ctx) -> asio::awaitable<Reply> {
        auto filter = TopicFilter::parse(query_values(ctx.query, "topic"), query_values(ctx.query, "kind"));
        if (!filter) co_return make_problem(filter.error(), ctx.path);
        if (auto refused = forbidden_unless(ctx.principal->may_subscribe(*filter), ctx, "a topic of this stream"))
            co_return std::move(*refused);
        if (auto unseen = unseen_task_topic(engine, *ctx.principal, *filter))
            co_return std::move(*forbidden_unless(false, ctx, *unseen));
        filter->owner = ctx.principal->task_scope();  // tasks/* is the caller's own tasks
        auto after = last_event_id(ctx);
        if (!after) co_return make_problem(after.error(), ctx.path);
        auto slot = take_stream_slot(streams, ctx);
        if (!slot) co_return make_problem(slot.error(), ctx.path);
        auto connection = make_stream(streams, ctx);
        auto shared_filter = std::make_shared<const TopicFilter>(std::move(filter).value());
        auto replay = topics.open(shared_filter, *after, connection);
        if (!replay) co_return make_problem(replay.error(), ctx.path);
        // A multiplexed stream has no end of its own: terminal events of tasks pass through.
        SseConnection::Setup setup{
            .replay = std::move(replay).value(),
            .end_after_terminal = false,
            .replay_may_end = false,
            .detach = [&topics, shared_filter, raw = connection.get()] { topics.close(shared_filter, raw); },
            .held = {std::move(slot).value()},
            .head_fields = {},
            .expires_at = stream_deadline(ctx)};
        co_return StreamReply{connection, std::move(setup)};
    }, {"topic", "kind", "last_event_id"});
}

} // namespace taskstream::http
