#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "http/router.hpp"

using namespace taskstream::http;
namespace asio = boost::asio;
using beast_http::verb;

namespace {

Handler answer(std::string text) {
    return [text](RequestContext& ctx) -> asio::awaitable<Reply> {
        Response r{beast_http::status::ok, 11};
        std::string body = text;
        for (const auto& p : ctx.path_params) body += ":" + p;
        r.body() = body;
        co_return r;
    };
}

Response dispatch(const Router& router, verb method, const std::string& path, const std::string& query = "") {
    asio::io_context ioc;
    Request req{method, path, 11};
    RequestContext ctx{req, {}, path, query, nullptr, ""};
    auto future = asio::co_spawn(ioc, router.dispatch(ctx), asio::use_future);
    ioc.run_for(std::chrono::seconds(5));
    return std::get<Response>(future.get());
}

Router make_router() {
    Router r;
    r.add(verb::get, "/v1/tasks", answer("list"));
    r.add(verb::post, "/v1/tasks", answer("create"));
    r.add(verb::get, "/v1/tasks/{id}", answer("get"));
    r.add(verb::get, "/v1/tasks/{id}/events", answer("events"));
    return r;
}

} // namespace

TEST_CASE("routes match by method and pattern, capturing segments") {
    auto router = make_router();
    CHECK(dispatch(router, verb::get, "/v1/tasks").body() == "list");
    CHECK(dispatch(router, verb::post, "/v1/tasks").body() == "create");
    CHECK(dispatch(router, verb::get, "/v1/tasks/abc").body() == "get:abc");
    CHECK(dispatch(router, verb::get, "/v1/tasks/abc/events").body() == "events:abc");
}

TEST_CASE("unknown paths are 404, known paths with other methods are 405 with Allow") {
    auto router = make_router();
    CHECK(dispatch(router, verb::get, "/v1/nothing").result() == beast_http::status::not_found);
    CHECK(dispatch(router, verb::get, "/v1/tasks/a/b/c").result() == beast_http::status::not_found);
    CHECK(dispatch(router, verb::get, "/v1/tasks//events").result() == beast_http::status::not_found);
    auto res = dispatch(router, verb::delete_, "/v1/tasks");
    CHECK(res.result() == beast_http::status::method_not_allowed);
    CHECK(res[beast_http::field::allow] == "GET, POST");
    CHECK(res[beast_http::field::content_type] == "application/problem+json");
}

TEST_CASE("split_path") {
    CHECK(split_path("/").empty());
    CHECK(split_path("/a/b") == std::vector<std::string>{"a", "b"});
    CHECK(split_path("/a/") == std::vector<std::string>{"a"});
}

TEST_CASE("a {name+} segment takes one or more segments") {
    Router r;
    r.add(verb::post, "/v1/topics/{topic+}/events", answer("publish"));
    CHECK(dispatch(r, verb::post, "/v1/topics/news/events").body() == "publish:news");
    CHECK(dispatch(r, verb::post, "/v1/topics/orders/42/lines/events").body() == "publish:orders/42/lines");
    CHECK(dispatch(r, verb::post, "/v1/topics/events").result() == beast_http::status::not_found);
    CHECK(dispatch(r, verb::get, "/v1/topics/a/b/events").result() == beast_http::status::method_not_allowed);
}

TEST_CASE("a query parameter a route does not list is refused before its handler runs") {
    Router r;
    r.add(verb::get, "/v1/tasks", answer("list"), {"state", "kind"});
    r.add_stream(verb::get, "/v1/events", answer("events"), {"topic"});
    r.add_open(verb::get, "/healthz", answer("ok"));
    CHECK(dispatch(r, verb::get, "/v1/tasks", "state=queued&kind=a&kind=b").body() == "list");
    CHECK(dispatch(r, verb::get, "/v1/tasks", "state=queued&").body() == "list");  // an empty key names nothing

    auto refused = dispatch(r, verb::get, "/v1/tasks", "state=queued&bogus=1");
    CHECK(refused.result() == beast_http::status::bad_request);
    CHECK(refused.body().find("unknown query parameter 'bogus'; this resource takes state, kind") != std::string::npos);
    // Form-encoded names are read as the handlers read them: "st%61te" is state.
    CHECK(dispatch(r, verb::get, "/v1/tasks", "st%61te=queued").body() == "list");
    // A stream route takes a ticket; elsewhere the authenticator answers for it (401), not the router.
    CHECK(dispatch(r, verb::get, "/v1/events", "topic=a&ticket=t").body() == "events");
    CHECK(dispatch(r, verb::get, "/v1/tasks", "ticket=t").body() == "list");
    // Open routes read no query and take any (a browser may add one to a file's URL).
    CHECK(dispatch(r, verb::get, "/healthz", "v=2").body() == "ok");
    CHECK(dispatch(r, verb::get, "/v1/events", "topic=a&last_event_id=1").result() == beast_http::status::bad_request);
}
