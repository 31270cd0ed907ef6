// run_main (public API, include/taskstream/server.hpp): the command line —
// `serve` (the default when the first argument is a server option, or there is
// none) and the client commands; any unknown argument is a usage error (2).
#include <malloc.h>

#include <algorithm>
#include <cstdio>

#include <CLI/CLI.hpp>

#include "app/config_file.hpp"
#include "app/logging.hpp"
#include "app/options.hpp"
#include "app/server.hpp"
#include "app/version.hpp"
#include "cli/client_commands.hpp"
#include "cli/exit_codes.hpp"
#include "kinds/demo_kinds.hpp"
#include "tasks/bulk_action.hpp"
#include "taskstream/server.hpp"

namespace taskstream {

namespace {

/// argv with `serve` put first when no subcommand is named: `taskstream`,
/// `taskstream --listen … --demo` serve; `--help` and `--version` stay the program's;
/// `taskstream --server URL tasks` is `taskstream tasks --server URL`.
std::vector<std::string> with_default_command(int argc, char** argv) {
    std::vector<std::string> args(argv, argv + argc);
    if (argc == 1) {
        args.emplace_back("serve");
    } else {
        const std::string& first = args[1];
        // `--server URL tasks`: the client option before its command; the command goes first.
        const std::size_t command_at = first == "--server" ? 3 : first.starts_with("--server=") ? 2 : 0;
        if (command_at && command_at < args.size() && cli::is_client_command(args[command_at])) {
            std::rotate(args.begin() + 1, args.begin() + static_cast<std::ptrdiff_t>(command_at),
                        args.begin() + static_cast<std::ptrdiff_t>(command_at) + 1);
            return args;
        }
        if (first.starts_with("-") && first != "--help" && first != "-h" && first != "--version")
            args.insert(args.begin() + 1, "serve");
    }
    return args;
}

/// The message naming what was wrong, and the usage of the command it was given to.
int usage_error(const CLI::App& app, const std::string& message) {
    const CLI::App* command = &app;
    for (const CLI::App* sub : app.get_subcommands()) command = sub;
    const std::string name = command == &app ? "taskstream" : "taskstream " + command->get_name();
    auto formatter = std::dynamic_pointer_cast<CLI::Formatter>(app.get_formatter());
    const std::string usage = formatter ? formatter->make_usage(command, name) : "Usage: " + name + "\n";
    std::fprintf(stderr, "taskstream: %s\n%sRun `%s --help` for more.\n", message.c_str(), usage.c_str(), name.c_str());
    return cli::exit_code::usage;
}

/// The config file applied to `options` (through `serve_command`, so flags and the
/// environment keep their precedence), its command kinds and --demo's registered,
/// and its schedules checked against the kinds. Throws ConfigError.
StructuredConfig load_configuration(CLI::App& serve_command, const ServerOptions& options, KindRegistry& kinds) {
    StructuredConfig config;
    if (!options.config.empty()) config = load_config_file(options.config, serve_command);
    for (const auto& command : config.commands) {
        if (is_system_kind(command.name))
            throw ConfigError(options.config + ": command '" + command.name + "': system.* names the server's own kinds");
        try {
            kinds.add(make_command_kind(command));
        } catch (const std::exception& e) {
            throw ConfigError(options.config + ": command '" + command.name + "': " + e.what());
        }
    }
    if (options.demo) register_demo_kinds(kinds);
    for (const auto& s : config.schedules)
        if (!kinds.find(s.kind))
            throw ConfigError(options.config + ": schedule '" + s.name + "' names kind '" + s.kind +
                              "', which is not registered" +
                              (s.kind.starts_with("demo.") ? std::string(" (--demo registers demo.*)") : std::string()));
    return config;
}

int config_error(const std::string& message) {
    std::fprintf(stderr, "taskstream: %s\n", message.c_str());
    return cli::exit_code::usage;
}

int serve(CLI::App& serve_command, const ServerOptions& options, KindRegistry kinds) {
    StructuredConfig config;
    try {
        config = load_configuration(serve_command, options, kinds);
    } catch (const ConfigError& e) {
        return config_error(e.what());
    }
    // glibc gives a thread's heap top back to the kernel past 128 KiB free, and takes
    // it again with the next burst: at a few thousand requests a second that was an
    // mprotect in every few requests. A few MiB of slack per arena ends the churn.
    mallopt(M_TRIM_THRESHOLD, 4 << 20);
    return run_server(options, kinds, config, make_logger(options.log_format, options.log_level));
}

/// `taskstream config check FILE [serve's flags]`: the file read exactly as serve
/// would read it with those flags and the environment, and nothing started.
int check_config(CLI::App& check_command, const ServerOptions& options, KindRegistry kinds) {
    try {
        auto config = load_configuration(check_command, options, kinds);
        const auto declared = check_command.get_options();
        const auto settings =
            std::count_if(declared.begin(), declared.end(), [](const CLI::Option* o) { return o->count() > 0; });
        std::printf("%s: ok (%zu settings, %zu commands, %zu schedules)\n", options.config.c_str(),
                    static_cast<std::size_t>(settings) - 1, config.commands.size(), config.schedules.size());
        return 0;
    } catch (const ConfigError& e) {
        return config_error(e.what());
    }
}

} // namespace

int run_main(int argc, char** argv, KindRegistry kinds) {
    CLI::App app{"taskstream: long-running tasks over REST, their progress live over Server-Sent Events"};
    app.set_version_flag("--version", version_text());
    app.require_subcommand(1, 1);
    app.footer("With no command, or a server option first, taskstream serves. `taskstream COMMAND --help` for each.");

    ServerOptions options;
    auto* serve_command = app.add_subcommand("serve", "run the server (the default)");
    add_server_options(*serve_command, options);
    cli::ClientCommands client;
    client.add(app);
    auto* config_command = app.add_subcommand("config", "work with config files");
    config_command->require_subcommand(1, 1);
    ServerOptions check_options;
    auto* check_command = config_command->add_subcommand(
        "check", "read a config file as serve would, with the same flags (every key, type and range), "
                 "and start nothing; exit 0, or 2 naming the line");
    check_command->add_option("FILE", check_options.config, "the TOML file")->required()->check(CLI::ExistingFile);
    add_server_options(*check_command, check_options);

    auto args = with_default_command(argc, argv);
    if (args.size() > 1 && !args[1].starts_with("-")) {
        bool known = false;
        for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
            known = known || sub->get_name() == args[1];
        if (!known) return usage_error(app, "unknown command '" + args[1] + "'");
    }
    std::vector<char*> pointers;
    for (auto& a : args) pointers.push_back(a.data());
    try {
        app.parse(static_cast<int>(pointers.size()), pointers.data());
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        return usage_error(app, e.what());
    }
    if (auto code = client.run()) return *code;
    if (check_command->parsed()) return check_config(*check_command, check_options, std::move(kinds));
    return serve(*serve_command, options, std::move(kinds));
}

} // namespace taskstream
