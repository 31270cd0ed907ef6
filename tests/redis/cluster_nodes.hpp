// What the tests of several real servers on one real Redis share: a node of the
// cluster, a countdown task, and waits on streams and on a node's JSON.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "http_client.hpp"
#include "redis_process.hpp"
#include "server_process.hpp"

namespace taskstream::testing {

using json = nlohmann::json;

inline json countdown(int steps, int interval_ms) {
    return {{"kind", "demo.countdown"}, {"params", {{"steps", steps}, {"interval_ms", interval_ms}}}};
}

/// A node of the cluster: its own data dir (unused by the redis store) and flags.
inline std::unique_ptr<ServerProcess> node(const TempDir& dir, const RedisProcess& redis, const std::string& name,
                                           std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"--store", redis.url(), "--lease", "2s"};
    args.insert(args.end(), extra.begin(), extra.end());
    return std::make_unique<ServerProcess>(dir.path() / name, args);
}

/// Reads `stream` until an event satisfies `pred` (bounded by the stream's own timeout per event).
inline std::optional<SseEvent> next_until(SseStream& stream, const std::function<bool(const SseEvent&)>& pred,
                                          std::vector<SseEvent>* seen = nullptr) {
    while (auto e = stream.next()) {
        if (seen) seen->push_back(*e);
        if (pred(*e)) return e;
    }
    return std::nullopt;
}

inline bool is_state(const SseEvent& e, const std::string& state) {
    return e.type == "state" && json::parse(e.data)["state"] == state;
}

inline bool is_end(const SseEvent& e) {
    return is_state(e, "succeeded") || is_state(e, "failed") || is_state(e, "cancelled");
}

/// Polls `GET path` on `port` until `pred` holds of its JSON, at most `bound`.
inline bool eventually(unsigned short port, const std::string& path, const std::function<bool(const json&)>& pred,
                       std::chrono::seconds bound = std::chrono::seconds(10)) {
    HttpClient http(port);
    const auto deadline = std::chrono::steady_clock::now() + bound;
    while (std::chrono::steady_clock::now() < deadline) {
        auto r = http.get(path);
        if (r.status == 200 && pred(r.json())) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // a poll's pace, not a wait for an event
    }
    return false;
}

} // namespace taskstream::testing
