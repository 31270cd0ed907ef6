// Router: the routing table — (method, path pattern) → handler. A pattern is
// a path whose `{name}` segments match any one segment; one `{name+}` segment
// matches one or more (joined with '/'). 404 and 405 (with Allow) fall out of
// the table.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/verb.hpp>

#include "http/http_types.hpp"

namespace taskstream::http {

using Handler = std::function<boost::asio::awaitable<Reply>(RequestContext&)>;
/// Runs before every route that is not open: sets ctx.principal, or answers (401/403).
using Guard = std::function<std::optional<Response>(RequestContext&, bool stream_route)>;

/// The query parameters a route reads. A request naming any other is refused
/// (400) before its guard and handler run: an unknown parameter is never ignored.
using QueryKeys = std::vector<std::string>;

class Router {
public:
    void add(beast_http::verb method, std::string pattern, Handler handler, QueryKeys query = {});
    /// A route that answers with an event stream: over the connection limit it
    /// gets a clean stream end with a retry hint instead of a 503. It also takes
    /// `ticket` (the authenticator reads it).
    void add_stream(beast_http::verb method, std::string pattern, Handler handler, QueryKeys query = {});
    /// A route anyone may call, authenticated or not (health, the dashboard's files, the API
    /// description). These read no query and take any: a browser may add one to a file's URL.
    void add_open(beast_http::verb method, std::string pattern, Handler handler);
    /// Authentication for every route not added open (none: every request acts for anyone).
    void set_guard(Guard guard) { guard_ = std::move(guard); }
    /// The guard and the handler of every route that is not open run on `executor`,
    /// and their answer comes back to the session's thread: a pool where a shared
    /// store's round trips (a GET, a list, a create's key check, a ticket, a stream's
    /// opening and first page) wait without holding an I/O thread. A stream is started
    /// on its own I/O thread once the answer is back. Open routes (health, the
    /// dashboard) stay on the session's thread, so they answer whatever the pool does.
    void set_offload(boost::asio::any_io_executor executor) { offload_ = std::move(executor); }

    struct Match {
        const Handler* handler = nullptr;  // null: see allowed
        std::vector<std::string> params;
        std::string allowed;               // non-empty: the path exists, the method does not (405)
        std::string_view pattern;          // the route's template ("/v1/tasks/{id}"), for logs and metrics
        bool streams = false;
        bool open = false;
        const QueryKeys* query = nullptr;  // the route's parameters (with a handler)
    };
    /// `path` is already percent-decoded and has no query.
    Match match(beast_http::verb method, const std::string& path) const;

    /// Routes and runs the request: 404/405 problems, or the handler's reply.
    boost::asio::awaitable<Reply> dispatch(RequestContext& ctx) const;

private:
    boost::asio::awaitable<Reply> admit_and_run(const Handler& handler, bool open, bool streams,
                                                RequestContext& ctx) const;

    struct Route {
        beast_http::verb method;
        std::string pattern;
        std::vector<std::string> segments;
        bool greedy = false;  // one of its segments is {name+}
        Handler handler;
        QueryKeys query;
        bool streams = false;
        bool open = false;
    };
    std::vector<Route> routes_;
    Guard guard_;
    boost::asio::any_io_executor offload_;  // empty: every handler on the session's thread
};

/// Splits "/a/b/c" into {"a","b","c"}; "/" → {}.
std::vector<std::string> split_path(const std::string& path);

} // namespace taskstream::http
