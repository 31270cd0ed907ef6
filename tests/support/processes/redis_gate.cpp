#include "redis_gate.hpp"

#include <array>
#include <functional>

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

namespace taskstream::testing {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

/// One direction of one connection: reads `from`, writes `to`.
struct RedisGate::Pipe : std::enable_shared_from_this<RedisGate::Pipe> {
    using Verdict = RedisGate::Verdict;
    Pipe(RedisGate& gate, std::shared_ptr<tcp::socket> from, std::shared_ptr<tcp::socket> to, bool inspected)
        : gate(gate), from(std::move(from)), to(std::move(to)), inspected(inspected) {}

    void read() {
        from->async_read_some(asio::buffer(buffer), [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
            if (ec) return self->end();
            self->chunk.assign(self->buffer.data(), n);
            if (self->inspected) {
                self->window += self->chunk;
                const auto verdict = self->gate.judge(self, self->window);
                if (verdict != Verdict::no_match) self->window.clear();  // a request is counted once
                if (verdict == Verdict::held) return;                    // release() writes it
                if (self->window.size() > 512) self->window.erase(0, self->window.size() - 512);
            }
            self->write();
        });
    }
    void write() {
        asio::async_write(*to, asio::buffer(chunk), [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
            if (ec) return self->end();
            self->read();
        });
    }
    void end() {
        boost::system::error_code ignored;
        from->close(ignored);
        to->close(ignored);
    }

    RedisGate& gate;
    std::shared_ptr<tcp::socket> from, to;
    bool inspected;
    std::array<char, 16384> buffer{};
    std::string chunk;
    std::string window;  // what came lately on this connection, to find a request split over reads
};

RedisGate::RedisGate(unsigned short redis_port) : acceptor_(ioc_), redis_port_(redis_port) {
    const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(endpoint.protocol());
    acceptor_.bind(endpoint);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    accept();
    thread_ = std::thread([this] { ioc_.run(); });
}

RedisGate::~RedisGate() {
    asio::post(ioc_, [this] {
        boost::system::error_code ignored;
        acceptor_.close(ignored);
        for (auto& weak : pipes_)
            if (auto pipe = weak.lock()) pipe->end();
        held_.reset();
    });
    thread_.join();
}

std::string RedisGate::url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }

void RedisGate::accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket client) {
        if (ec) return;
        auto near = std::make_shared<tcp::socket>(std::move(client));
        auto far = std::make_shared<tcp::socket>(ioc_);
        far->connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), redis_port_), ec);
        if (!ec) {
            auto up = std::make_shared<Pipe>(*this, near, far, true);
            auto down = std::make_shared<Pipe>(*this, far, near, false);
            pipes_.push_back(up);
            pipes_.push_back(down);
            up->read();
            down->read();
        }
        accept();
    });
}

RedisGate::Verdict RedisGate::judge(const std::shared_ptr<Pipe>& pipe, const std::string& window) {
    std::lock_guard lock(mutex_);
    if (needles_.empty() || held_) return Verdict::no_match;
    for (const auto& needle : needles_)
        if (window.find(needle) == std::string::npos) return Verdict::no_match;
    if (skip_-- > 0) return Verdict::passed;
    held_ = pipe;
    needles_.clear();
    changed_.notify_all();
    return Verdict::held;
}

void RedisGate::hold_next(std::vector<std::string> needles, int skip) {
    std::lock_guard lock(mutex_);
    needles_ = std::move(needles);
    skip_ = skip;
}

bool RedisGate::wait_held(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [this] { return held_ != nullptr; });
}

void RedisGate::release() {
    std::shared_ptr<Pipe> pipe;
    {
        std::lock_guard lock(mutex_);
        pipe = std::move(held_);
    }
    if (!pipe) return;
    asio::post(ioc_, [pipe] { pipe->write(); });
}

} // namespace taskstream::testing
