#include "app/logging.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

#include "core/clock.hpp"

namespace taskstream {
namespace {

/// One JSON object per line; the message is escaped, so any text is safe.
class JsonFormatter final : public spdlog::formatter {
public:
    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()).count();
        nlohmann::json line{{"ts", format_rfc3339(ms)},
                            {"level", spdlog::level::to_string_view(msg.level).data()},
                            {"msg", std::string(msg.payload.data(), msg.payload.size())}};
        auto text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        dest.append(text.data(), text.data() + text.size());
        dest.push_back('\n');
    }
    std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(); }
};

/// Access lines whose message is already a JSON object: the time and the log's
/// name go in front of its fields.
class AccessJsonFormatter final : public spdlog::formatter {
public:
    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()).count();
        const std::string head = "{\"ts\":\"" + format_rfc3339(ms) + "\",\"log\":\"access\",";
        dest.append(head.data(), head.data() + head.size());
        std::string_view fields(msg.payload.data(), msg.payload.size());
        if (!fields.empty()) fields.remove_prefix(1);  // its '{'
        dest.append(fields.data(), fields.data() + fields.size());
        dest.push_back('\n');
    }
    std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<AccessJsonFormatter>(); }
};

} // namespace

std::shared_ptr<spdlog::logger> make_access_logger(const std::string& format) {
    auto log = std::make_shared<spdlog::logger>("access", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    if (format == "json") log->set_formatter(std::make_unique<AccessJsonFormatter>());
    else log->set_pattern("%Y-%m-%dT%H:%M:%S.%e access %v");
    log->set_level(spdlog::level::info);
    log->flush_on(spdlog::level::info);
    return log;
}

std::shared_ptr<spdlog::logger> make_logger(const std::string& format, const std::string& level) {
    auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    auto log = std::make_shared<spdlog::logger>("taskstream", sink);
    if (format == "json") log->set_formatter(std::make_unique<JsonFormatter>());
    else log->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
    log->set_level(spdlog::level::from_str(level));
    log->flush_on(spdlog::level::info);
    return log;
}

} // namespace taskstream
