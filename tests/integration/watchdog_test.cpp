// The watchdog on a real loopback socket pair: here, not in the unit tests (no sockets there).
#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "http/watchdog.hpp"

using namespace taskstream::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

/// A connected loopback pair: `server` is the watched end, `client` never writes.
struct SocketPair {
    asio::io_context ioc;
    tcp::socket server{ioc}, client{ioc};
    SocketPair() {
        tcp::acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"), 0});
        client.connect(acceptor.local_endpoint());
        acceptor.accept(server);
    }
};

/// Runs a read on the watched end that only the watchdog can end (the peer sends
/// nothing); returns how long it took, or nullopt if it was still pending at `limit`.
std::optional<std::chrono::steady_clock::duration> read_ended_after(SocketPair& pair, std::chrono::milliseconds limit) {
    std::array<char, 16> sink;
    bool ended = false;
    const auto started = std::chrono::steady_clock::now();
    std::chrono::steady_clock::duration took{};
    pair.server.async_read_some(asio::buffer(sink), [&](const boost::system::error_code&, std::size_t) {
        ended = true;
        took = std::chrono::steady_clock::now() - started;
    });
    pair.ioc.restart();
    const auto until = started + limit;
    while (!ended && std::chrono::steady_clock::now() < until) pair.ioc.run_one_until(until);
    if (!ended) {
        pair.server.cancel();  // leave no read behind for the next check
        pair.ioc.restart();
        pair.ioc.run_for(1s);
        return std::nullopt;
    }
    return took;
}

} // namespace

TEST_CASE("watchdog: a deadline moved earlier cancels the read then") {
    SocketPair pair;
    Watchdog watchdog(pair.server);
    watchdog.arm(30s);
    watchdog.arm(50ms);
    const auto took = read_ended_after(pair, 5000ms);
    REQUIRE(took);
    CHECK(*took >= 50ms);
    CHECK(*took < 2s);
    CHECK(watchdog.expired());
}

TEST_CASE("watchdog: a deadline moved later is kept, though the timer first waits for the earlier one") {
    SocketPair pair;
    Watchdog watchdog(pair.server);
    watchdog.arm(20ms);
    watchdog.arm(400ms);  // the pending wait ends at 20 ms and must wait again
    const auto took = read_ended_after(pair, 5000ms);
    REQUIRE(took);
    CHECK(*took >= 400ms);
    CHECK(watchdog.expired());
}

TEST_CASE("watchdog: disarmed, it cancels nothing, and armed again it works") {
    SocketPair pair;
    Watchdog watchdog(pair.server);
    watchdog.arm(20ms);
    watchdog.disarm();
    CHECK_FALSE(read_ended_after(pair, 300ms));
    CHECK_FALSE(watchdog.expired());

    watchdog.arm(30ms);
    const auto took = read_ended_after(pair, 5000ms);
    REQUIRE(took);
    CHECK(*took >= 30ms);
    CHECK(watchdog.expired());

    watchdog.arm(10s);  // arming again clears the expiry
    CHECK_FALSE(watchdog.expired());
}

TEST_CASE("watchdog: destroyed with a wait pending, its handler touches nothing") {
    SocketPair pair;
    {
        Watchdog watchdog(pair.server);
        watchdog.arm(10ms);
    }
    CHECK_FALSE(read_ended_after(pair, 200ms));
}
