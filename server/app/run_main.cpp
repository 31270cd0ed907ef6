// run_main (public API, include/taskstream/server.hpp): the command line of the server.
#include <CLI/CLI.hpp>

#include "app/logging.hpp"
#include "app/options.hpp"
#include "app/server.hpp"
#include "taskstream/server.hpp"
#include "tasks/demo_kinds.hpp"

namespace taskstream {

int run_main(int argc, char** argv, KindRegistry kinds) {
    CLI::App app{"taskstream: long-running tasks over REST, their progress live over Server-Sent Events"};
    ServerOptions options;
    add_server_options(app, options);
    auto* serve = app.add_subcommand("serve", "run the server (the default command)");
    serve->fallthrough();
    app.require_subcommand(0, 1);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    auto log = make_logger(options.log_format, options.log_level);
    try {
        if (options.demo) register_demo_kinds(kinds);
    } catch (const std::invalid_argument& e) {
        log->critical("{}", e.what());
        return 2;
    }
    return run_server(options, kinds, log);
}

} // namespace taskstream
