// ServerOptions: every setting of `taskstream serve`, and the CLI11 parser
// that fills them from flags, TASKSTREAM_* environment variables and a config file.
#pragma once

#include <string>

#include <CLI/App.hpp>

namespace taskstream {

struct ServerOptions {
    std::string listen = "127.0.0.1:8080";
    std::string data_dir = "./data";
    std::string store = "sqlite";
    unsigned io_threads = 2;
    unsigned workers = 4;
    bool demo = false;
    bool insecure = false;
    std::string log_format = "text";
    std::string log_level = "info";
    unsigned drain_timeout_s = 30;
    unsigned aging_ms = 1000;
    unsigned heartbeat_ms = 15000;
    std::size_t max_body_bytes = 1 << 20;
    std::size_t max_header_bytes = 8 * 1024;
    unsigned header_timeout_ms = 10000;
    unsigned idle_timeout_ms = 30000;
    unsigned write_timeout_ms = 10000;
    std::int64_t retention_s = 7 * 24 * 3600;
    std::size_t retain_tasks = 100000;
    std::size_t max_task_events = 10000;
    unsigned prune_interval_ms = 60000;
    std::int64_t idempotency_ttl_s = 24 * 3600;
    std::size_t max_streams_per_ip = 100;
    std::size_t stream_queue_events = 1000;     // a slow reader's queue, in events …
    std::size_t stream_queue_bytes = 1 << 20;   // … and in bytes: past either it is cut off
    std::size_t stream_send_buffer = 128 * 1024;  // SO_SNDBUF of a stream's socket (0: the kernel's)
    std::size_t max_connections = 0;  // 0: the descriptor limit less a reserve
};

/// Declares the options on `app` (the `serve` subcommand).
void add_server_options(CLI::App& app, ServerOptions& options);

/// After parsing: the flat keys of the --config file (`workers = 4`) set the options
/// that neither a flag nor a TASKSTREAM_* variable set. (CLI11 reads the config file
/// of the top-level app only, and these options live on `serve`.) Throws CLI::Error.
void apply_config_file(CLI::App& app);

} // namespace taskstream
