// An application that embeds taskstream with a task kind of its own:
// "examples.primes" counts the primes below `limit`, reporting progress.
//
//   ./build/examples/prime_server --listen 127.0.0.1:8080
//   taskstream run examples.primes --param limit=2000000     (see README.md here)
#include <cmath>

#include "taskstream/server.hpp"

namespace {

nlohmann::json count_primes(taskstream::TaskContext& ctx) {
    const auto limit = ctx.params()["limit"].get<std::int64_t>();
    std::int64_t count = 0;
    const std::int64_t report_every = std::max<std::int64_t>(limit / 100, 1);
    for (std::int64_t n = 2; n < limit; ++n) {
        bool prime = true;
        for (std::int64_t d = 2; d * d <= n && prime; ++d) prime = n % d != 0;
        count += prime;
        if (n % report_every == 0) {
            ctx.check_cancelled();
            ctx.progress(n, limit, std::to_string(count) + " primes so far");
        }
    }
    return {{"limit", limit}, {"primes", count}};
}

} // namespace

int main(int argc, char** argv) {
    taskstream::KindRegistry kinds;
    taskstream::TaskKind primes;
    primes.name = "examples.primes";
    primes.description = "Counts the primes below `limit`.";
    primes.params_schema = {{"type", "object"},
                            {"required", {"limit"}},
                            {"additionalProperties", false},
                            {"properties", {{"limit", {{"type", "integer"}, {"minimum", 2}, {"maximum", 100000000}}}}}};
    primes.handler = count_primes;
    kinds.add(std::move(primes));
    return taskstream::run_main(argc, argv, std::move(kinds));
}
