#include "http/io_pool.hpp"

#include "core/thread_name.hpp"

namespace taskstream::http {

IoPool::IoPool(std::size_t threads) {
    if (threads == 0) threads = 1;
    for (std::size_t i = 0; i < threads; ++i) {
        contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
        guards_.emplace_back(contexts_.back()->get_executor());
    }
}

IoPool::~IoPool() { stop(); }

void IoPool::start() {
    for (auto& ctx : contexts_) threads_.emplace_back([c = ctx.get()] {
        name_this_thread("ts-http");
        c->run();
    });
}

void IoPool::stop() {
    guards_.clear();
    for (auto& ctx : contexts_) ctx->stop();
    for (auto& t : threads_)
        if (t.joinable()) t.join();
    threads_.clear();
}

} // namespace taskstream::http
