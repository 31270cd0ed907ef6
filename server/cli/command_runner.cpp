#include "cli/command_runner.hpp"

#include <cstdio>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "cli/exit_codes.hpp"
#include "cli/param_values.hpp"

namespace taskstream::cli {

int run_against(const std::string& server_url, std::function<boost::asio::awaitable<int>(ApiClient&)> command) {
    auto server = ServerAddress::parse(server_url);
    if (!server) {
        std::fprintf(stderr, "taskstream: --server %s: expected http://HOST:PORT\n", server_url.c_str());
        return exit_code::usage;
    }
    boost::asio::io_context ioc;
    ApiClient api(ioc, *server);
    int code = exit_code::failed;
    boost::asio::co_spawn(ioc, command(api), [&code](std::exception_ptr error, int result) {
        if (!error) {
            code = result;
            return;
        }
        try {
            std::rethrow_exception(error);
        } catch (const UsageError& e) {
            std::fprintf(stderr, "taskstream: %s\n", e.what());
            code = exit_code::usage;
        } catch (const Unreachable& e) {
            std::fprintf(stderr, "taskstream: %s\n", e.what());
            code = exit_code::unreachable;
        } catch (const std::exception& e) {
            std::fprintf(stderr, "taskstream: %s\n", e.what());
            code = exit_code::failed;
        }
    });
    ioc.run();
    return code;
}

} // namespace taskstream::cli
