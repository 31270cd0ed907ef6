// The HTTP vocabulary shared by the HTTP layer: request/response types and
// what a route handler may answer (a response, or the start of an SSE stream).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "auth/principal.hpp"
#include "http/io_thread.hpp"
#include "http/sse_connection.hpp"
#include "model/event.hpp"

namespace taskstream::http {

namespace beast_http = boost::beast::http;
using Request = beast_http::request<beast_http::string_body>;
using Response = beast_http::response<beast_http::string_body>;

/// Answer of a streaming route: the connection is already attached to the hub;
/// the session hands it the socket and the setup (replay, end rules, detach).
struct StreamReply {
    std::shared_ptr<SseConnection> connection;
    SseConnection::Setup setup;
};

using Reply = std::variant<Response, StreamReply>;

/// What a handler gets: the request, the `{…}` segments of its route, and the
/// I/O thread the connection runs on.
struct RequestContext {
    const Request& request;
    std::vector<std::string> path_params;
    std::string path;    // decoded path, without the query
    std::string query;   // raw query, without '?'
    IoThread* thread = nullptr;  // where a stream started from this request lives (null outside a connection)
    std::string remote_address;  // the client's IP (behind a trusted proxy: the one it names), for per-client limits
    std::string_view route;      // the matched route's template, set by the router ("" when none matched)
    /// Who the request acts for: set by authentication; everyone's scope when it is off.
    std::shared_ptr<const Principal> principal = anyone_principal();
    bool via_cookie = false;     // authenticated by a cookie (a browser sends it on its own: CSRF rules apply)

    static const std::shared_ptr<const Principal>& anyone_principal() {
        static const auto anyone = std::make_shared<const Principal>(Principal::anyone());
        return anyone;
    }
};

} // namespace taskstream::http
