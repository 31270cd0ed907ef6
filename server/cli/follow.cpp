#include "cli/follow.hpp"

#include <csignal>
#include <random>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "cli/exit_codes.hpp"

namespace taskstream::cli {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

/// What the follow loop shares with its helpers (Ctrl-C, the clock tick), which may outlive it by a handler.
struct Shared {
    explicit Shared(asio::io_context& ioc) : signals(ioc, SIGINT), pause(ioc), ticker(ioc) {}
    asio::signal_set signals;
    asio::steady_timer pause;   // the wait before a reconnect
    asio::steady_timer ticker;  // a view tick a second
    EventStream* stream = nullptr;
    int interrupts = 0;
    bool cancel_sent = false;
    bool done = false;
};

std::chrono::milliseconds jittered(std::chrono::milliseconds base) {
    thread_local std::minstd_rand rng{std::random_device{}()};
    return base + std::chrono::milliseconds(rng() % (base.count() / 2 + 1));
}

/// Waits `delay` unless Ctrl-C comes first.
asio::awaitable<void> pause_for(Shared& s, std::chrono::milliseconds delay) {
    s.pause.expires_after(delay);
    boost::system::error_code ignored;
    co_await s.pause.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
}

/// Fetches every task of the board and takes its state as it is now (after a reset, or a 204).
asio::awaitable<void> refresh(ApiClient& api, TaskBoard& board) {
    std::vector<std::string> ids;
    for (const auto& t : board.tasks()) ids.push_back(t.id);
    for (const auto& id : ids) {
        ApiRequest get{.target = "/v1/tasks/" + id};
        auto r = co_await api.send(std::move(get));
        if (r.status == 200) board.adopt(task_from_json(r.json()), true);
    }
}

} // namespace

asio::awaitable<int> follow(ApiClient& api, TaskBoard& board, EventView& view, FollowPlan plan) {
    auto s = std::make_shared<Shared>(api.context());
    // Ctrl-C: the first one cancels the task when asked to, otherwise (and the second) detaches.
    auto on_signal = [s, &api, &board, &view, cancel = plan.cancel_on_interrupt]() -> asio::awaitable<void> {
        for (;;) {
            boost::system::error_code ec;
            co_await s->signals.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            if (ec || s->done) co_return;
            ++s->interrupts;
            if (cancel && s->interrupts == 1 && !board.tasks().empty()) {
                s->cancel_sent = true;
                view.notice("cancelling " + board.tasks().front().id + " (Ctrl-C again to detach)");
                try {
                    ApiRequest request{.method = boost::beast::http::verb::post,
                                       .target = "/v1/tasks/" + board.tasks().front().id + "/cancel"};
                    auto r = co_await api.send(std::move(request));
                    if (r.status != 202) view.notice("cancel refused: " + r.problem_text());
                } catch (const std::exception& e) {
                    view.notice(std::string("cancel failed: ") + e.what());
                }
                continue;
            }
            if (s->stream) s->stream->cancel();
            s->pause.cancel();
        }
    };
    asio::co_spawn(api.context(), on_signal, asio::detached);
    auto on_tick = [s, &board, &view]() -> asio::awaitable<void> {
        for (;;) {
            s->ticker.expires_after(1s);
            boost::system::error_code ec;
            co_await s->ticker.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            if (ec || s->done) co_return;
            view.tick(board);
        }
    };
    asio::co_spawn(api.context(), on_tick, asio::detached);
    struct Stop {  // ends the helpers however follow() returns
        Shared& s;
        ~Stop() {
            s.done = true;
            s.stream = nullptr;
            boost::system::error_code ignored;
            s.signals.cancel(ignored);
            s.ticker.cancel();
            s.pause.cancel();
        }
    } stop{*s};

    auto detached = [&] {
        std::string how;
        if (board.tasks().size() == 1)
            how = "; it goes on — follow it again with: taskstream watch " + board.tasks().front().id;
        view.notice("detached" + how);
        return exit_code::detached;
    };
    auto interrupted = [&] { return s->interrupts > (s->cancel_sent ? 1 : 0); };

    bool opened_once = false;
    std::optional<Clock::time_point> away_since;
    auto backoff = 250ms;
    for (;;) {
        if (interrupted()) co_return detached();
        std::chrono::milliseconds wait = backoff;
        try {
            ApiRequest request = plan.request(board);
            auto opened = co_await api.open(std::move(request));
            if (auto* answer = std::get_if<ApiResponse>(&opened)) {
                if (answer->status == 204) {  // the stream has ended already: take the tasks as they are
                    co_await refresh(api, board);
                    break;
                }
                if (answer->status == 429 || answer->status == 503) {
                    if (!away_since) away_since = Clock::now();
                    if (auto secs = std::atoi(answer->retry_after.c_str()); secs > 0) wait = std::chrono::seconds(secs);
                } else {
                    view.notice("the server refused: " + answer->problem_text());
                    co_return opened_once ? exit_code::failed : (answer->status < 500 ? exit_code::usage
                                                                                     : exit_code::failed);
                }
            } else {
                auto& stream = *std::get<std::unique_ptr<EventStream>>(opened);
                if (interrupted()) co_return detached();  // Ctrl-C while it was being opened
                if (away_since) view.notice("reconnected");
                opened_once = true;
                away_since.reset();
                backoff = 250ms;
                s->stream = &stream;
                bool reset = false, followed = false;
                SseParser watching([&](const SseEvent& e) {
                    auto change = board.apply(e);
                    if (change.kind == BoardChange::Kind::reset && !change.task) reset = true;
                    if (change.kind == BoardChange::Kind::superseded) followed = true;
                    view.update(board, change, e);
                });
                std::string bytes;
                try {
                    while (!board.all_finished() && !followed && co_await stream.read(bytes, plan.idle)) {
                        watching.feed(bytes);
                        bytes.clear();
                        if (reset) {
                            co_await refresh(api, board);
                            reset = false;
                        }
                    }
                } catch (const std::exception& e) {
                    view.notice(std::string("stream lost: ") + e.what());
                }
                s->stream = nullptr;
                if (board.all_finished()) break;
                if (followed) continue;  // a task was replaced: its successor's stream, at once
                if (watching.retry_ms()) wait = std::chrono::milliseconds(*watching.retry_ms());
                if (!interrupted()) view.notice("connection closed; reconnecting");
                away_since = Clock::now();
            }
        } catch (const Unreachable& e) {
            if (!opened_once) {
                view.notice(e.what());
                co_return exit_code::unreachable;
            }
            if (!away_since) away_since = Clock::now();
            backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
        } catch (const std::exception& e) {
            if (!opened_once) {
                view.notice(e.what());
                co_return exit_code::unreachable;
            }
            if (!away_since) away_since = Clock::now();
        }
        if (away_since && Clock::now() - *away_since > plan.reconnect_for) {
            view.notice("the server stayed away; giving up");
            co_return exit_code::unreachable;
        }
        if (interrupted()) co_return detached();
        co_await pause_for(*s, jittered(wait));
    }
    view.finish(board);
    co_return board.exit_code();
}

} // namespace taskstream::cli
