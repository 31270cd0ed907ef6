// Deployment: what --store makes of this server — alone on its SQLite data, or
// one of several on one Redis — decided here, once. It holds the store and the
// implementation of every seam that differs between the two: dispatch (local
// executor or shared queue), event ids (reserved blocks or the store's), tickets
// (this process or the store), and the feed of what other servers commit. Nothing
// below the composition root asks which deployment it is in.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <spdlog/logger.h>

#include "app/options.hpp"
#include "hub/hub.hpp"
#include "journal/journal.hpp"
#include "store/event_feed.hpp"
#include "store/store.hpp"
#include "store/ticket_store.hpp"
#include "store/work_queue.hpp"
#include "tasks/dispatcher.hpp"

namespace taskstream {

/// Builds the journal (ReservedIdJournal or StoreIdJournal: where event ids come from).
using JournalFactory =
    std::function<std::unique_ptr<Journal>(Store&, Hub&, Journal::Options, std::shared_ptr<spdlog::logger>)>;

struct Deployment {
    std::unique_ptr<Store> store;
    std::function<bool()> reachable = [] { return true; };  // /readyz: the store answers
    bool reads_over_network = false;  // its reads wait on a network: never on an I/O thread
    JournalFactory journal;
    std::unique_ptr<TicketStore> tickets;
    DispatcherFactory dispatch;
    /// Several servers: what the others commit and say (null alone: nobody else writes).
    std::unique_ptr<EventFeed> feed;
    std::unique_ptr<WorkQueue> work_queue;  // several servers: the queue they share
};

/// Opens the store `options` names and picks the implementations that go with it.
/// `node` names this server in a shared queue. Throws StoreError.
Deployment open_deployment(const ServerOptions& options, const std::string& node, std::shared_ptr<spdlog::logger> log);

} // namespace taskstream
