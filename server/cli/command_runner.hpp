// run_against(): runs one client command on its own io_context and turns what
// it throws into an exit status and a message (usage → 2, unreachable → 4).
#pragma once

#include <functional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "cli/api_client.hpp"

namespace taskstream::cli {

int run_against(const std::string& server_url, std::function<boost::asio::awaitable<int>(ApiClient&)> command);

} // namespace taskstream::cli
