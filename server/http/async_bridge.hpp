// await_callback: turns a domain call that reports through a callback (on any
// thread) into an awaitable that resumes on the awaiting coroutine's executor.
#pragma once

#include <memory>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace taskstream::http {

/// `start(callback)` must call `callback(T)` exactly once. Deliberately not a
/// coroutine itself: GCC 12 destroys by-value lambda parameters of coroutines twice.
template <typename T, typename Start>
auto await_callback(Start start) {
    return boost::asio::async_initiate<decltype(boost::asio::use_awaitable), void(T)>(
        [](auto handler, Start start) {
            auto executor = boost::asio::get_associated_executor(handler);
            auto shared = std::make_shared<decltype(handler)>(std::move(handler));
            start([executor, shared](T value) mutable {
                boost::asio::post(executor, [shared, value = std::move(value)]() mutable {
                    (*shared)(std::move(value));
                });
            });
        },
        boost::asio::use_awaitable, std::move(start));
}

} // namespace taskstream::http
