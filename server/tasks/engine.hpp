// Engine: the task system as the API sees it — create, read, cancel, retry,
// delete, list, pause, and a task's event stream. It composes the roles that
// do the work: TaskCreator (validation, idempotency), AttemptRunner (one
// attempt on a worker), TaskRecorder (every state change), and a Dispatcher —
// how a waiting task reaches a worker, on this server alone (LocalDispatcher)
// or on several (ClusterDispatcher); the engine does not know which.
// No HTTP types here.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <spdlog/logger.h>

#include "core/offload_pool.hpp"
#include "core/outcome.hpp"
#include "journal/journal.hpp"
#include "streams/stream_opener.hpp"
#include "model/task.hpp"
#include "store/store.hpp"
#include "taskstream/task_kind.hpp"
#include "tasks/active_dedupe_keys.hpp"
#include "tasks/active_tasks.hpp"
#include "tasks/attempt_runner.hpp"
#include "tasks/completion_notifier.hpp"
#include "tasks/dedupe_guard.hpp"
#include "tasks/create_request.hpp"
#include "tasks/dispatcher.hpp"
#include "tasks/executor.hpp"
#include "tasks/idempotency_guard.hpp"
#include "tasks/task_creator.hpp"
#include "tasks/task_recorder.hpp"
#include "tasks/waiting_reason.hpp"

namespace taskstream {

/// A text search (TaskQuery::text) reads at most this many rows for one page: such a
/// page may end short of its limit with a next page (TaskPage::next_before).
inline constexpr std::size_t kTextSearchRows = 5000;

/// The start of a task's event stream.
struct StreamStart {
    std::shared_ptr<Replay> replay;  // before live events
    bool already_ended = false;      // the client has seen the terminal event: answer 204
    bool replay_may_end = false;     // a terminal event in the replay ends the stream (the task was
                                     // finished at the attach; else such an event is history: it was retried)
};

/// One page of a task's committed events, oldest first (its history as JSON).
struct TaskHistory {
    std::vector<EventPtr> events;
    bool more = false;  // events after the last one here: ask again from its id
};

/// The executor's state, for GET /v1/admin/status.
struct EngineStatus {
    bool paused = false;
    std::size_t running = 0;
    std::size_t queued = 0;
    std::size_t active = 0;  // queued + running + retrying
    std::size_t workers = 0;
    std::set<std::string> paused_kinds;
};

class Engine {
public:
    struct Options {
        std::size_t workers = 4;
        std::size_t max_active_tasks = 100000;  // queued + running + retrying
        std::chrono::milliseconds drain_timeout{30000};
        int max_redeliveries = 3;  // server deaths in a row a task survives (recovery)
        std::chrono::milliseconds aging_step{1000};  // waiting this long raises a queued task's priority by one
        std::size_t offload_threads = 0;  // >0: creates that hold a key in the store run there (OffloadPool)
        /// Every unfinished task is in memory (one server on its own store): a create's
        /// dedupe key is looked up there (ActiveDedupeKeys), not in the store.
        bool dedupe_in_memory = false;
    };

    /// `dispatch` builds the dispatcher (LocalDispatcher::over, ClusterDispatcher::over).
    Engine(const KindRegistry& kinds, Store& store, Journal& journal, StreamOpener& streams, Options options,
           DispatcherFactory dispatch, std::shared_ptr<spdlog::logger> log);
    ~Engine();

    /// Where finished tasks with a callback_url are posted (null: webhooks are off). Before start().
    void set_webhooks(CompletionNotifier* notifier);
    /// A message from another server (or this one) through the store: `cancel <id>`,
    /// `pause`, `resume`, for the dispatcher. Called on the relay's thread.
    void on_message(const std::string& message);
    /// Something may have been queued (a state event went by): claim now. Any thread.
    void queue_changed();
    /// True for the first server to ask for `key` (a schedule's firing).
    bool claim_firing(const std::string& key);

    /// Starts the workers and the dispatcher (which recovers, or claims).
    void start();
    /// Lets running attempts finish for up to drain_timeout, cancels the rest
    /// (they are re-queued on the next start), then stops the workers.
    void stop();

    /// Validates the request against its kind and stores the task. `done` is
    /// called exactly once, on an arbitrary thread, after the task is committed
    /// (or with the error); it must not block. With an idempotency key, the same
    /// key and request give the existing task; another request is an error.
    void create(const CreateTaskRequest& request, const std::optional<std::string>& idempotency_key,
                std::function<void(Outcome<Created>)> done);
    /// Cancels a queued, retrying or running task (409 when finished). `done`
    /// gets the task: cancelled once committed, or still running while its
    /// attempt winds down (the stream shows the end).
    void cancel(const std::string& id, std::function<void(Outcome<Task>)> done);
    /// Runs a failed or cancelled task again, as a new attempt on the same id and
    /// stream. Readers see it queued only once that is committed.
    void retry(const std::string& id, std::function<void(Outcome<Task>)> done);
    /// Deletes a finished task and its events; later lookups answer 410.
    void remove(const std::string& id, std::function<void(Outcome<bool>)> done);
    /// The tasks `query` finds, newest first (see TaskPage for a text search's pages).
    Outcome<TaskPage> list(TaskQuery query);
    /// How many tasks of the query's kind and owner are in each state: every state, 0 included.
    Outcome<std::map<std::string, std::size_t>> count(const TaskQuery& query);

    /// Stops starting attempts (running ones go on) / starts again; on a shared
    /// queue, on every server. An error when the store cannot record it.
    Outcome<bool> pause();
    Outcome<bool> resume();
    /// The same for one kind: its attempts do not start, its tasks still queue, other
    /// kinds run past them; kept across restarts, on every server. 404 for an unknown kind.
    Outcome<bool> pause_kind(const std::string& kind, bool paused);
    std::set<std::string> paused_kinds() const;
    EngineStatus status() const;
    /// Unfinished tasks by (kind, committed state), for the metrics. Visits every active task.
    std::map<std::pair<std::string, TaskState>, std::size_t> active_counts() const;
    /// Queued and retrying tasks by why they wait (every reason, zeros too), for the
    /// metrics: this server's, or the cluster's queue. A group at a time, not a task.
    WaitingCounts waiting_counts() const;

    /// The task history of `kind` (of every kind without one) from `from` to `to` (ms, minute
    /// multiples; `to` excluded), summed per `step_ms`, as the store keeps it for every server:
    /// all of this server's committed state changes (its journal writes what it holds back
    /// first), and another server's within a second of their commit.
    Outcome<std::vector<StatsSeries>> stats(const std::optional<std::string>& kind, std::int64_t from, std::int64_t to,
                                            std::int64_t step_ms);

    Outcome<Task> get(const std::string& id);
    /// Why each task waits (nullopt: it does not): the reason its JSON shows. One store
    /// round trip at most on a shared store, for the whole list.
    std::vector<std::optional<Waiting>> waiting(const std::vector<Task>& tasks);
    /// Records a `waiting` event on the task's stream (WaitingNotices decides when). False
    /// when the journal had no room.
    bool note_waiting(const Task& task, const Waiting& waiting) { return recorder_.record_waiting(task, to_json(waiting)); }
    /// Attaches `subscriber` to the task's topic: its history after `after` (all
    /// of it without an id), then live events. Any thread (it reads the store).
    Outcome<StreamStart> open_stream(const std::string& id, std::optional<std::uint64_t> after,
                                     const std::shared_ptr<Subscriber>& subscriber);
    void close_stream(const std::string& id, const Subscriber* subscriber);
    /// The task's committed events after `after`, at most `limit`. What a stream opened
    /// from the last id here sends next is exactly what follows them.
    Outcome<TaskHistory> history(const std::string& id, std::uint64_t after, std::size_t limit);

    const KindRegistry& kinds() const { return kinds_; }
    std::size_t active_count() const { return active_.size(); }

private:
    Outcome<TaskPage> search(TaskQuery query);
    DispatchParts dispatch_parts();
    /// Records `active` cancelled (no attempt of it runs): the end of a queued task, here
    /// or one no server holds. `done` gets the task, or unavailable when the commit failed.
    void record_cancel(const std::shared_ptr<ActiveTask>& active, std::function<void(Outcome<Task>)> done);
    /// A newer task with its dedupe key (`by`) replaces `id`: it ends superseded unless an
    /// attempt of it has started (then it runs on). `then` runs once that is settled (its
    /// end committed, or nothing to do) with the task `by` must start after: `id` when it
    /// runs on, what `id` waited behind when it was superseded, or none.
    void supersede(const std::string& id, const std::string& by, std::function<void(std::string after)> then);
    void set_paused(bool paused);
    void set_kind_paused(const std::string& kind, bool paused);
    /// A terminal state is committed: reads go to the store from now on, and
    /// the callback (if any) is posted.
    void finished(const Task& task);
    void unrecorded(const Task& task);

    const KindRegistry& kinds_;
    Store& store_;
    Journal& journal_;
    StreamOpener& streams_;
    Options options_;
    std::shared_ptr<spdlog::logger> log_;
    ActiveTasks active_;
    ActiveDedupeKeys active_dedupe_keys_{active_};
    TaskRecorder recorder_;
    IdempotencyGuard keys_;
    DedupeGuard dedupe_;
    TaskCreator creator_;
    AttemptRunner runner_;
    Executor executor_;
    CompletionNotifier* webhooks_ = nullptr;
    std::unique_ptr<Dispatcher> dispatcher_;
    std::atomic<bool> stopped_{false};
    std::atomic<bool> paused_{false};
    mutable std::mutex paused_kinds_mutex_;
    std::set<std::string> paused_kinds_;
    // Last: joined (what it holds run) before anything its creates use goes.
    std::unique_ptr<OffloadPool> offload_;
};

} // namespace taskstream
