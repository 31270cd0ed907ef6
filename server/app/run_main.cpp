// run_main (public API, include/taskstream/server.hpp): the command line of the server.
#include <CLI/CLI.hpp>

#include "app/config_file.hpp"
#include "app/logging.hpp"
#include "app/options.hpp"
#include "app/server.hpp"
#include "taskstream/server.hpp"
#include "kinds/demo_kinds.hpp"

namespace taskstream {

int run_main(int argc, char** argv, KindRegistry kinds) {
    CLI::App app{"taskstream: long-running tasks over REST, their progress live over Server-Sent Events"};
    ServerOptions options;
    add_server_options(app, options);
    auto* serve = app.add_subcommand("serve", "run the server (the default command)");
    serve->fallthrough();
    app.require_subcommand(0, 1);
    app.allow_config_extras(true);  // the file's [[command]], [[schedule]] and [webhooks] are read below
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    auto log = make_logger(options.log_format, options.log_level);
    StructuredConfig config;
    try {
        if (auto* file = app.get_config_ptr(); file && file->count() > 0) {
            config = load_structured_config(file->as<std::string>());
            for (const auto& command : config.commands) kinds.add(make_command_kind(command));
        }
        if (options.demo) register_demo_kinds(kinds);
    } catch (const std::exception& e) {
        log->critical("{}", e.what());
        return 2;
    }
    for (const auto& s : config.schedules)
        if (!kinds.find(s.kind)) {
            log->critical("schedule {} names kind '{}', which is not registered", s.name, s.kind);
            return 2;
        }
    return run_server(options, kinds, config, log);
}

} // namespace taskstream
