// A replay flows with its reader: streams that resume from the start of a long
// history and never read hold a page each, not the history.
#include <catch2/catch.hpp>

#include <fstream>

#include <boost/asio/read.hpp>

#include "http_client.hpp"
#include "server_process.hpp"

using namespace taskstream::testing;
using json = nlohmann::json;

namespace {

/// The process's resident set in bytes (VmRSS of /proc/PID/status).
std::size_t resident_bytes(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
    FAIL("no VmRSS for pid " << pid);
    return 0;
}

} // namespace

// Under make test-asan the server is built with ASan too, and ASan keeps up to 256 MiB
// of freed memory in quarantine (resident) to catch a use after free.
#if defined(__SANITIZE_ADDRESS__)
constexpr std::size_t kSanitizerQuarantine = std::size_t{256} << 20;
#else
constexpr std::size_t kSanitizerQuarantine = 0;
#endif

TEST_CASE("100 streams resuming from 0 over 6000 events of 1 KB, none reading, cost at most their queue bounds") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient http(server.port());
    const std::string kilobyte(1024, 'x');
    for (int batch = 0; batch < 12; ++batch) {
        json events = json::array();
        for (int i = 0; i < 500; ++i) events.push_back({{"data", kilobyte}});
        REQUIRE(http.post_json("/v1/topics/history/events", events).status == 202);
    }
    const std::size_t before = resident_bytes(server.pid());

    boost::asio::io_context ioc;
    std::vector<boost::asio::ip::tcp::socket> readers;
    for (int i = 0; i < 100; ++i) {
        readers.push_back(open_stalled_stream(ioc, server.port(), "/v1/events?topic=history&last_event_id=0"));
        // The stream has begun: its head and the first of its replay are on the way.
        char head[16];
        boost::asio::read(readers.back(), boost::asio::buffer(head));
        REQUIRE(std::string(head, 15) == "HTTP/1.1 200 OK");
    }
    // Every replay has begun and stalls on its reader (a replay read whole
    // before its first byte, as before, would be counted here in full).
    const std::size_t peak = resident_bytes(server.pid());
    const std::size_t queue_bound = 1 << 20;  // --stream-queue-bytes, default
    INFO("server RSS grew by " << (peak - std::min(peak, before)) / 1024 << " KiB for 100 stalled replays");
    CHECK(peak < before + 100 * queue_bound + (16u << 20) + kSanitizerQuarantine);
    // The stalled replays hold no I/O thread: the server still answers.
    CHECK(http.get("/healthz").status == 200);
}
