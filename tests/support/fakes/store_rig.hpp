// StoreRig: the parts below the engine as a server wires them — a store, the hub,
// the journal and the stream opener — started in order and stopped in order.
// Either on its own SQLite store in a temp dir, behind an InterposedStore (the
// test's hooks), with a ReservedIdJournal; or on a shared store the test hands in
// (a FakeSharedStore), with a StoreIdJournal. No sockets.
#pragma once

#include <filesystem>
#include <memory>

#include "hub/hub.hpp"
#include "interposed_store.hpp"
#include "journal/reserved_id_journal.hpp"
#include "journal/store_id_journal.hpp"
#include "quiet_logger.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "streams/stream_opener.hpp"

namespace taskstream::testing {

struct StoreRigOptions {
    Hub::Options hub;
    Journal::Options journal;
    ReadLimit replay_page{.events = 100, .bytes = 1 << 20};
};

struct StoreRig {
    using Options = StoreRigOptions;

    /// Its own SQLite store in `dir`, hooks in its path (`hooks`).
    explicit StoreRig(const std::filesystem::path& dir, Options options = Options())
        : sqlite(std::make_unique<SqliteStore>(dir, log)),
          interposed(std::make_unique<InterposedStore>(*sqlite)),
          store(*interposed),
          hub(options.hub),
          owned_journal(std::make_unique<ReservedIdJournal>(store, hub, options.journal, log)),
          journal(*owned_journal),
          opener(store, journal, hub, options.replay_page, log) {
        journal.start();
    }
    /// On `shared`, a store several servers share (a FakeSharedStore): a StoreIdJournal.
    StoreRig(Store& shared, NumberingStore& numbering, Options options)
        : store(shared), hub(options.hub),
          owned_journal(std::make_unique<StoreIdJournal>(store, numbering, hub, options.journal, log)),
          journal(*owned_journal),
          opener(store, journal, hub, options.replay_page, log) {
        journal.start();
    }
    ~StoreRig() { journal.stop(); }

    /// The hooks in the path of its own store.
    InterposedStore& hooks() { return *interposed; }

    std::shared_ptr<spdlog::logger> log = quiet_logger();
    std::unique_ptr<SqliteStore> sqlite;
    std::unique_ptr<InterposedStore> interposed;
    Store& store;
    Hub hub;
    std::unique_ptr<Journal> owned_journal;
    Journal& journal;
    StreamOpener opener;
};

} // namespace taskstream::testing
