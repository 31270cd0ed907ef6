// IoPool: the I/O threads — one io_context per thread, so that everything a
// connection owns lives on one thread and needs no strand or lock.
#pragma once

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

namespace taskstream::http {

class IoPool {
public:
    explicit IoPool(std::size_t threads);
    ~IoPool();

    void start();
    /// Stops every context and joins the threads.
    void stop();
    std::size_t size() const { return contexts_.size(); }
    boost::asio::io_context& context(std::size_t i) { return *contexts_[i]; }
    boost::asio::io_context& first() { return *contexts_.front(); }

private:
    using Guard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
    std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
    std::vector<Guard> guards_;
    std::vector<std::thread> threads_;
};

} // namespace taskstream::http
