// WebhookReceiver: a small HTTP server on a free loopback port that records
// every POST it gets; the first `failures` answers are 500 (to test retries).
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace taskstream::testing {

struct ReceivedHook {
    std::string target;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
};

class WebhookReceiver {
public:
    explicit WebhookReceiver(int failures = 0);
    ~WebhookReceiver();

    unsigned short port() const { return port_; }
    /// Waits until at least `n` requests arrived (bounded); returns them all.
    std::vector<ReceivedHook> wait_for(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(20));

private:
    boost::asio::io_context ioc_;
    boost::asio::ip::tcp::acceptor acceptor_;
    unsigned short port_ = 0;
    int failures_;
    std::mutex mutex_;
    std::condition_variable arrived_;
    std::vector<ReceivedHook> hooks_;
    std::thread thread_;
};

} // namespace taskstream::testing
