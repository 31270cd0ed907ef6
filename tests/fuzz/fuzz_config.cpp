// Fuzz target: the TOML config file, read exactly as `serve --config` and
// `config check` read it (flat keys onto the options, then the sections).
// Only ConfigError may come out, and its message names the file.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

#include <CLI/CLI.hpp>

#include "app/config_file.hpp"
#include "app/options.hpp"

using namespace taskstream;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* raw, std::size_t size) {
    static const std::string path = "/tmp/taskstream-fuzz-config-" + std::to_string(::getpid()) + ".toml";
    {
        std::ofstream file(path, std::ios::binary | std::ios::trunc);
        file.write(reinterpret_cast<const char*>(raw), static_cast<std::streamsize>(size));
    }
    CLI::App app("fuzz");
    ServerOptions options;
    add_server_options(app, options);
    try {
        app.parse(std::vector<std::string>{});
        (void)load_config_file(path, app);
    } catch (const ConfigError& e) {
        if (std::string(e.what()).find(path) == std::string::npos) std::abort();
    }
    return 0;
}
