// The HTTP vocabulary shared by the HTTP layer: request/response types and
// what a route handler may answer (a response, or the start of an SSE stream).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "hub/event.hpp"

namespace taskstream::http {

namespace beast_http = boost::beast::http;
using Request = beast_http::request<beast_http::string_body>;
using Response = beast_http::response<beast_http::string_body>;

class SseSubscriber;

/// Answer of a streaming route: the subscriber is already attached to the hub;
/// the session writes `replay`, then live events, then calls `detach`.
struct StreamReply {
    std::shared_ptr<SseSubscriber> subscriber;
    std::vector<EventPtr> replay;
    bool end_after_terminal = true;       // a live terminal event ends the stream
    bool replay_may_end = true;           // a terminal event in the replay does too
    std::function<void()> detach;
    std::shared_ptr<void> slot;           // the client's stream slot (StreamLimiter), held while it runs
};

using Reply = std::variant<Response, StreamReply>;

/// What a handler gets: the request, the `{…}` segments of its route, and the
/// executor of the connection (the I/O thread it runs on).
struct RequestContext {
    const Request& request;
    std::vector<std::string> path_params;
    std::string path;    // decoded path, without the query
    std::string query;   // raw query, without '?'
    boost::asio::any_io_executor executor;
    std::string remote_address;  // the client's IP, for per-client limits
};

} // namespace taskstream::http
