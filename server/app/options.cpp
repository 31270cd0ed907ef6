#include "app/options.hpp"

#include <CLI/CLI.hpp>

namespace taskstream {

void add_server_options(CLI::App& app, ServerOptions& o) {
    app.set_config("--config", "", "TOML or INI file with any of these options (flag names as keys)");
    // The file's [[command]], [[schedule]] and [webhooks] are read by load_structured_config;
    // unknown arguments on the command line stay errors.
    app.allow_config_extras(CLI::config_extras_mode::ignore);
    auto env = [](const char* name) { return std::string("TASKSTREAM_") + name; };
    app.add_option("--listen", o.listen, "HOST:PORT to serve on; port 0 picks a free port")
        ->envname(env("LISTEN"))->capture_default_str();
    app.add_option("--data-dir", o.data_dir, "directory of the sqlite store")
        ->envname(env("DATA_DIR"))->capture_default_str();
    app.add_option("--store", o.store, "sqlite (the only store in this build)")
        ->envname(env("STORE"))->capture_default_str()->check(CLI::IsMember({"sqlite"}));
    app.add_option("--io-threads", o.io_threads, "network threads")
        ->envname(env("IO_THREADS"))->capture_default_str()->check(CLI::Range(1u, 64u));
    app.add_option("--workers", o.workers, "task worker threads")
        ->envname(env("WORKERS"))->capture_default_str()->check(CLI::Range(1u, 1024u));
    app.add_flag("--demo", o.demo, "register the demo.* task kinds")->envname(env("DEMO"));
    app.add_flag("--insecure", o.insecure, "allow a non-loopback address without authentication")
        ->envname(env("INSECURE"));
    app.add_option("--log-format", o.log_format, "text or json")
        ->envname(env("LOG_FORMAT"))->capture_default_str()->check(CLI::IsMember({"text", "json"}));
    app.add_option("--log-level", o.log_level, "trace, debug, info, warn, error")
        ->envname(env("LOG_LEVEL"))->capture_default_str()
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
    app.add_option("--drain-timeout", o.drain_timeout_s, "seconds running tasks get to finish on shutdown")
        ->envname(env("DRAIN_TIMEOUT"))->capture_default_str();
    app.add_option("--aging-ms", o.aging_ms, "a queued task gains one priority point per this many ms waited")
        ->envname(env("AGING_MS"))->capture_default_str()->check(CLI::Range(1u, 3600000u));
    app.add_option("--heartbeat-ms", o.heartbeat_ms, "idle event streams get a comment this often")
        ->envname(env("HEARTBEAT_MS"))->capture_default_str()->check(CLI::Range(100u, 600000u));
    app.add_option("--max-body", o.max_body_bytes, "largest request body in bytes (→ 413)")
        ->envname(env("MAX_BODY"))->capture_default_str();
    app.add_option("--max-header", o.max_header_bytes, "largest request head in bytes (→ 431)")
        ->envname(env("MAX_HEADER"))->capture_default_str();
    app.add_option("--header-timeout-ms", o.header_timeout_ms, "time to receive a request head (→ 408)")
        ->envname(env("HEADER_TIMEOUT_MS"))->capture_default_str()->check(CLI::Range(10u, 600000u));
    app.add_option("--idle-timeout-ms", o.idle_timeout_ms, "keep-alive connections idle this long are closed")
        ->envname(env("IDLE_TIMEOUT_MS"))->capture_default_str()->check(CLI::Range(10u, 3600000u));
    app.add_option("--write-timeout-ms", o.write_timeout_ms, "a write that makes no progress this long closes the connection")
        ->envname(env("WRITE_TIMEOUT_MS"))->capture_default_str()->check(CLI::Range(10u, 600000u));
    app.add_option("--retention", o.retention_s, "seconds a finished task and its events are kept")
        ->envname(env("RETENTION"))->capture_default_str()->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 40));
    app.add_option("--retain-tasks", o.retain_tasks, "most finished tasks kept (oldest pruned first)")
        ->envname(env("RETAIN_TASKS"))->capture_default_str();
    app.add_option("--max-task-events", o.max_task_events, "most events kept per task (oldest pruned first)")
        ->envname(env("MAX_TASK_EVENTS"))->capture_default_str()->check(CLI::Range(std::size_t{1}, std::size_t{1} << 40));
    app.add_option("--idempotency-ttl", o.idempotency_ttl_s, "seconds an Idempotency-Key is remembered")
        ->envname(env("IDEMPOTENCY_TTL"))->capture_default_str()->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 40));
    app.add_option("--max-streams-per-ip", o.max_streams_per_ip, "open event streams per client address (→ 429)")
        ->envname(env("MAX_STREAMS_PER_IP"))->capture_default_str()->check(CLI::Range(std::size_t{1}, std::size_t{1} << 30));
    app.add_option("--stream-queue-events", o.stream_queue_events,
                   "events queued for a slow stream reader before it is cut off (after merging progress)")
        ->envname(env("STREAM_QUEUE_EVENTS"))->capture_default_str()->check(CLI::Range(std::size_t{1}, std::size_t{1} << 30));
    app.add_option("--stream-queue-bytes", o.stream_queue_bytes,
                   "bytes queued for a slow stream reader before it is cut off (after merging progress)")
        ->envname(env("STREAM_QUEUE_BYTES"))->capture_default_str()->check(CLI::Range(std::size_t{1024}, std::size_t{1} << 40));
    app.add_option("--stream-send-buffer", o.stream_send_buffer,
                   "kernel send buffer of a stream's socket in bytes (0: the kernel's default), so that the "
                   "stream queue's bound decides when a slow reader is cut off")
        ->envname(env("STREAM_SEND_BUFFER"))->capture_default_str()->check(CLI::Range(std::size_t{0}, std::size_t{1} << 30));
    app.add_option("--max-connections", o.max_connections,
                   "connections served at once; more get 503 or a clean stream end (0: the fd limit less 64)")
        ->envname(env("MAX_CONNECTIONS"))->capture_default_str();
    app.add_option("--prune-interval-ms", o.prune_interval_ms, "how often retention is applied")
        ->envname(env("PRUNE_INTERVAL_MS"))->capture_default_str()->check(CLI::Range(10u, 86400000u));
}

void apply_config_file(CLI::App& app) {
    auto* file = app.get_config_ptr();
    if (!file || file->count() == 0) return;
    for (const auto& item : app.get_config_formatter_base()->from_file(file->as<std::string>())) {
        if (!item.parents.empty()) continue;  // [[command]], [[schedule]], [webhooks]: load_structured_config
        auto* option = app.get_option_no_throw("--" + item.name);
        if (!option || option == file) continue;
        if (option->count() > 0) continue;  // a flag or the environment set it: they come first
        option->add_result(item.inputs);
        option->run_callback();
    }
}

} // namespace taskstream
