#include "store/redis/redis_connection.hpp"

#include <future>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <hiredis/hiredis.h>

#include "core/backoff.hpp"
#include "core/thread_name.hpp"
#include "store/redis/redis_sentinel.hpp"
#include "store/store.hpp"

namespace taskstream {

namespace asio = boost::asio;
using boost::system::error_code;
namespace errors = boost::asio::error;


RedisConnection::RedisConnection(RedisEndpoint endpoint, RedisOptions options, std::shared_ptr<spdlog::logger> log)
    : endpoint_(std::move(endpoint)), options_(options), log_(std::move(log)), tls_(make_redis_tls(endpoint_)) {
    write_wake_.expires_at(Clock::time_point::max());
    dropped_.expires_at(Clock::time_point::max());
    asio::co_spawn(ioc_, run(), asio::detached);
    asio::co_spawn(ioc_, watch_deadlines(), asio::detached);
    thread_ = std::thread([this] {
        name_this_thread("ts-redis");
        ioc_.run();
    });
}

RedisConnection::~RedisConnection() {
    asio::post(ioc_, [this] { shutdown(); });
    thread_.join();  // every loop ends once shutdown() has cancelled what it waits on
    if (reader_) redisReaderFree(reader_);
}

void RedisConnection::shutdown() {
    stopped_ = true;
    if (stream_) stream_->close();
    write_wake_.cancel();
    dropped_.cancel();
    deadline_timer_.cancel();
    up_ = false;
    connected_ = false;
    fail_all(errors::operation_aborted);
}

void RedisConnection::submit(std::vector<RedisCommand> commands, std::chrono::milliseconds timeout, Completion done) {
    Request request;
    for (const auto& c : commands) append_resp(request.bytes, c);
    request.expected = commands.size();
    request.deadline = Clock::now() + timeout;
    request.done = std::move(done);
    asio::post(ioc_, [this, request = std::move(request)]() mutable { enqueue(std::move(request)); });
}

void RedisConnection::enqueue(Request request, bool front) {
    if (stopped_) return request.done(errors::operation_aborted, {});
    // Known to be down (an attempt to connect failed, or a request waited its whole deadline):
    // a request tries one connection made at once and waits for it briefly, so that an answer
    // that takes several requests still comes within its bound (a 503 within 2 s) — and one
    // made just after Redis is back succeeds.
    if (!up_ && failing_fast_) {
        request.deadline = std::min(request.deadline, Clock::now() + options_.down_wait);
        dropped_.cancel();  // ends the backoff pause: connect now
    }
    if (request.expected == 0) return request.done({}, {});
    if (waiting_.size() + in_flight_.size() >= options_.max_pending) return request.done(errors::no_buffer_space, {});
    bool earlier = request.deadline < armed_for_;
    if (front) waiting_.push_front(std::move(request));
    else waiting_.push_back(std::move(request));
    if (up_) write_wake_.cancel();
    if (earlier) deadline_timer_.cancel();
}

RedisConnection::Replies RedisConnection::exec(std::vector<RedisCommand> commands) {
    return exec(std::move(commands), options_.command_timeout);
}

RedisConnection::Replies RedisConnection::exec(std::vector<RedisCommand> commands, std::chrono::milliseconds timeout) {
    if (ioc_.get_executor().running_in_this_thread())
        throw std::logic_error("RedisConnection::exec on the connection's own thread would wait for itself");
    auto promise = std::make_shared<std::promise<std::pair<error_code, Replies>>>();
    auto answer = promise->get_future();
    submit(std::move(commands), timeout,
           [promise](error_code ec, Replies replies) { promise->set_value({ec, std::move(replies)}); });
    // Every request completes by its deadline (the watch below); the extra second
    // only guards against a stopped thread.
    if (answer.wait_for(timeout + std::chrono::seconds(1)) != std::future_status::ready)
        throw StoreError("redis: no answer in time");
    auto [ec, replies] = answer.get();
    if (ec) {
        std::string why = endpoint_.redacted() + ": " + ec.message();
        std::lock_guard lock(failure_mutex_);
        if (!connected_ && !last_failure_.empty()) why += " (no connection: " + last_failure_ + ")";
        throw StoreError("redis " + why);
    }
    return std::move(replies);
}

asio::awaitable<void> RedisConnection::run() {
    int failures = 0;
    while (!stopped_) {
        if (co_await connect_once()) {
            failures = 0;
            up_ = true;
            failing_fast_ = false;
            connected_ = true;
            log_->info("redis: connected to {}{}", endpoint_.redacted(), connected_to_);
            std::uint64_t generation = generation_;
            asio::co_spawn(ioc_, read_loop(generation, stream_), asio::detached);
            asio::co_spawn(ioc_, write_loop(generation, stream_), asio::detached);
            if (!endpoint_.sentinels.empty()) asio::co_spawn(ioc_, watch_primary(generation), asio::detached);
            error_code ec;
            dropped_.expires_at(Clock::time_point::max());
            while (up_ && !stopped_) co_await dropped_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            if (stopped_) break;
        } else {
            // Redis is not there for now: what waits hears so at once, and later requests
            // wait briefly for an attempt made at once (enqueue).
            failing_fast_ = true;
            fail_waiting(errors::not_connected);
        }
        ++failures;
        auto delay = backoff_delay(options_.backoff_base, options_.backoff_max, failures, rng_);
        error_code ec;
        dropped_.expires_after(delay);  // shutdown() cancels it, ending the pause early
        co_await dropped_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
}

asio::awaitable<bool> RedisConnection::connect_once() {
    ++generation_;
    if (reader_) redisReaderFree(reader_);
    reader_ = redisReaderCreate();
    error_code ec;
    if (stream_) stream_->close();
    // With sentinels: the server they name the primary now.
    RedisHost target{endpoint_.host, endpoint_.port};
    const bool sentinel = !endpoint_.sentinels.empty();
    if (sentinel) {
        auto named = co_await ask_sentinels(ioc_, tls_.get(), endpoint_, options_.command_timeout / 3);
        if (auto* why = std::get_if<std::string>(&named)) co_return failed_attempt(*why);
        target = std::get<RedisHost>(named);
    }
    primary_ = target;
    connected_to_ = sentinel ? " (primary " + target.host + ":" + std::to_string(target.port) + ")" : "";
    auto stream = std::make_shared<RedisStream>(ioc_, tls_.get(), target.host);
    stream_ = stream;

    // Resolving, connecting and the handshake share one bound, the command timeout:
    // past it the resolver is cancelled and the socket closed, which ends the step at hand.
    struct Attempt {
        asio::ip::tcp::resolver resolver;
        bool finished = false;
        bool timed_out = false;
    };
    auto attempt = std::make_shared<Attempt>(Attempt{asio::ip::tcp::resolver(ioc_)});
    asio::steady_timer bound(ioc_, options_.command_timeout);
    bound.async_wait([attempt, stream](error_code e) {
        if (e || attempt->finished) return;  // the attempt ended first
        attempt->timed_out = true;
        attempt->resolver.cancel();
        stream->close();
    });
    auto fail = [&](const std::string& why) {
        attempt->finished = true;
        stream->close();
        return failed_attempt(attempt->timed_out ? "no connection within the command timeout" : why);
    };

    auto results = co_await attempt->resolver.async_resolve(target.host, std::to_string(target.port),
                                                            asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return fail(ec.message());
    co_await asio::async_connect(stream->socket(), results, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return fail(ec.message());
    stream->socket().set_option(asio::ip::tcp::no_delay(true), ec);
    co_await stream->handshake(ec);
    if (ec) co_return fail("TLS handshake: " + ec.message());

    // AUTH and SELECT before any command of ours.
    std::string hello;
    std::size_t expected = 0;
    if (!endpoint_.password.empty()) {
        RedisCommand auth{"AUTH"};
        if (!endpoint_.user.empty()) auth.push_back(endpoint_.user);
        auth.push_back(endpoint_.password);
        append_resp(hello, auth);
        ++expected;
    }
    append_resp(hello, {"SELECT", std::to_string(endpoint_.db)});
    ++expected;
    if (sentinel) {  // a sentinel's answer may be stale: this must be the primary
        append_resp(hello, {"ROLE"});
        ++expected;
    }
    co_await stream->write(asio::buffer(hello), ec);
    if (ec) co_return fail(ec.message());
    char buf[4096];
    while (expected > 0) {
        std::size_t n = co_await stream->read_some(asio::buffer(buf), ec);
        if (ec) co_return fail(ec.message());
        redisReaderFeed(reader_, buf, n);
        try {
            while (expected > 0) {
                auto reply = take_reply(reader_);
                if (!reply) break;
                --expected;
                if (reply->is_error()) co_return fail("the handshake was refused: " + reply->text);
                if (sentinel && expected == 0 && (reply->items.empty() || reply->items[0].text != "master"))
                    co_return fail(target.host + ":" + std::to_string(target.port) + " is not the primary (yet)");
            }
        } catch (const std::exception& e) {
            co_return fail(e.what());
        }
    }
    attempt->finished = true;
    co_return !stopped_ && !attempt->timed_out;
}

asio::awaitable<void> RedisConnection::watch_primary(std::uint64_t generation) {
    // The sentinels switch the primary (their +switch-master) while this connection is up —
    // a partition may leave the old one reachable here: asked again every interval, a
    // different answer ends the connection, and the next is made to the new primary.
    asio::steady_timer pause(ioc_);
    while (generation == generation_ && up_ && !stopped_) {
        error_code ec;
        pause.expires_after(options_.sentinel_interval);
        co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        if (generation != generation_ || !up_ || stopped_) co_return;
        auto named = co_await ask_sentinels(ioc_, tls_.get(), endpoint_, options_.command_timeout / 3);
        const auto* now = std::get_if<RedisHost>(&named);
        if (generation != generation_ || !up_ || stopped_ || !now) continue;  // no answer: keep what works
        if (now->host != primary_.host || now->port != primary_.port) {
            log_->warn("redis: the sentinels name {}:{} the primary now", now->host, now->port);
            drop(errors::connection_reset, "another primary");
            co_return;
        }
    }
}

asio::awaitable<void> RedisConnection::write_loop(std::uint64_t generation, std::shared_ptr<RedisStream> stream) {
    std::string batch;
    while (generation == generation_ && up_) {
        if (waiting_.empty()) {
            error_code ec;
            write_wake_.expires_at(Clock::time_point::max());
            co_await write_wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            continue;
        }
        // Everything queued goes out in one write; its replies are awaited in this order.
        batch.clear();
        while (!waiting_.empty()) {
            batch += waiting_.front().bytes;
            waiting_.front().bytes.clear();
            in_flight_.push_back(std::move(waiting_.front()));
            waiting_.pop_front();
        }
        error_code ec;
        co_await stream->write(asio::buffer(batch), ec);
        if (ec && generation == generation_) drop(ec, "write");
    }
}

asio::awaitable<void> RedisConnection::read_loop(std::uint64_t generation, std::shared_ptr<RedisStream> stream) {
    std::vector<char> buf(64 * 1024);
    while (generation == generation_ && up_) {
        error_code ec;
        std::size_t n = co_await stream->read_some(asio::buffer(buf), ec);
        if (generation != generation_) co_return;
        if (ec) {
            drop(ec == errors::eof ? errors::connection_reset : ec, "read");
            co_return;
        }
        redisReaderFeed(reader_, buf.data(), n);
        try {
            while (auto reply = take_reply(reader_)) {
                if (in_flight_.empty()) throw std::runtime_error("a reply nobody asked for");
                // A primary demoted to a replica (a failover), one still loading, or one cut off
                // from its replicas: the next connection asks again which server to use.
                const bool demoted = reply->is_error() && (reply->text.starts_with("READONLY") ||
                                                           reply->text.starts_with("LOADING") ||
                                                           reply->text.starts_with("NOREPLICAS"));
                deliver(std::move(*reply));
                if (demoted) {
                    drop(errors::connection_reset, "not the primary");
                    co_return;
                }
            }
        } catch (const std::exception& e) {
            log_->error("redis: {}: {}", endpoint_.redacted(), e.what());
            drop(errors::connection_reset, "parse");
            co_return;
        }
    }
}

void RedisConnection::deliver(RedisReply reply) {
    auto& front = in_flight_.front();
    front.replies.push_back(std::move(reply));
    if (front.replies.size() < front.expected) return;
    Request done = std::move(front);
    in_flight_.pop_front();
    done.done({}, std::move(done.replies));
}

asio::awaitable<void> RedisConnection::watch_deadlines() {
    while (!stopped_) {
        auto now = Clock::now();
        // Not written yet: it simply fails. Written: its reply would still come, out
        // of place for whoever asks next, so the connection goes with it.
        while (!waiting_.empty() && waiting_.front().deadline <= now) {
            Request late = std::move(waiting_.front());
            waiting_.pop_front();
            late.done(errors::timed_out, {});
            if (!up_) failing_fast_ = true;  // no connection came within a whole deadline
        }
        bool overdue = false;
        for (const auto& r : in_flight_) overdue = overdue || r.deadline <= now;
        if (overdue) {
            drop(errors::timed_out, "reply");
            failing_fast_ = true;  // a whole deadline without an answer: Redis is not there for now
        }

        armed_for_ = Clock::time_point::max();
        for (const auto& r : waiting_) armed_for_ = std::min(armed_for_, r.deadline);
        for (const auto& r : in_flight_) armed_for_ = std::min(armed_for_, r.deadline);
        deadline_timer_.expires_at(armed_for_);
        error_code ec;
        co_await deadline_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
}

void RedisConnection::drop(error_code why, const char* what) {
    if (!up_) return;
    log_->warn("redis: connection to {} lost ({}: {})", endpoint_.redacted(), what, why.message());
    up_ = false;
    connected_ = false;
    ++generation_;
    if (stream_) stream_->close();
    write_wake_.cancel();
    dropped_.cancel();
    // Sent but unanswered: the outcome is unknown to us, so the caller decides.
    auto lost = std::move(in_flight_);
    in_flight_.clear();
    for (auto& r : lost) r.done(why, {});
}

bool RedisConnection::failed_attempt(const std::string& reason) {
    log_->warn("redis: {}: {}", endpoint_.redacted(), reason);
    std::lock_guard lock(failure_mutex_);
    last_failure_ = reason;
    return false;
}

void RedisConnection::fail_all(error_code why) {
    auto lost = std::move(in_flight_);
    in_flight_.clear();
    for (auto& r : lost) r.done(why, {});
    fail_waiting(why);
}

void RedisConnection::fail_waiting(error_code why) {
    auto queued = std::move(waiting_);
    waiting_.clear();
    for (auto& r : queued) r.done(why, {});
}

} // namespace taskstream
