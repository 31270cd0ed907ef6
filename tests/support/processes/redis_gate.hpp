// RedisGate: a loopback TCP relay in front of a real Redis that can hold one
// request back. A test points the server at the gate, arms it with what the
// request it wants to hold contains, waits until that request is held (the
// server is then waiting for Redis, at a known point) and releases it. Every
// other byte goes through as it comes; one thread of its own.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace taskstream::testing {

class RedisGate {
public:
    explicit RedisGate(unsigned short redis_port);
    ~RedisGate();
    RedisGate(const RedisGate&) = delete;
    RedisGate& operator=(const RedisGate&) = delete;

    unsigned short port() const { return port_; }
    /// `redis://127.0.0.1:PORT/0`, the gate's port.
    std::string url() const;

    /// Holds the next request whose bytes (with the 512 before them on the same
    /// connection) contain every one of `needles`, after letting `skip` such requests through.
    void hold_next(std::vector<std::string> needles, int skip = 0);
    /// Waits at most `timeout` for the armed request to be held; false if it was not.
    bool wait_held(std::chrono::milliseconds timeout);
    /// Sends the held request on; the connection flows again.
    void release();

    struct Pipe;

private:
    void accept();
    enum class Verdict { no_match, passed, held };
    /// Called on the gate's thread by a pipe with a new chunk in its window.
    Verdict judge(const std::shared_ptr<Pipe>& pipe, const std::string& window);

    boost::asio::io_context ioc_;
    boost::asio::ip::tcp::acceptor acceptor_;
    unsigned short redis_port_;
    unsigned short port_ = 0;

    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<std::string> needles_;  // empty: nothing armed
    int skip_ = 0;
    std::shared_ptr<Pipe> held_;
    std::vector<std::weak_ptr<Pipe>> pipes_;
    std::thread thread_;
};

} // namespace taskstream::testing
