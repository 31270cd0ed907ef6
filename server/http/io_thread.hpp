// IoThread: what belongs to one I/O thread — its io_context, its share of
// the hub's fan-out and its event streams' housekeeping. A connection and
// everything it owns stay on one IoThread.
#pragma once

#include <boost/asio/io_context.hpp>

#include "hub/fanout_shard.hpp"

namespace taskstream::http {

class StreamSweeper;

struct IoThread {
    boost::asio::io_context& context;
    FanoutShard& shard;
    StreamSweeper& streams;
};

} // namespace taskstream::http
