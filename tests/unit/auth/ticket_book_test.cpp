#include <catch2/catch.hpp>

#include "auth/rate_limiter.hpp"
#include "auth/ticket_book.hpp"
#include "store/memory_tickets.hpp"

using namespace taskstream;

TEST_CASE("TicketBook: a ticket opens a stream it names once, before it expires") {
    MemoryTickets kept(2);
    TicketBook book(kept, std::chrono::seconds(60));
    Principal alice{.subject = "alice", .expires_at_ms = 0};
    auto t = book.mint(alice, {"/v1/events?topic=a"}, 1000);
    REQUIRE(t);
    CHECK(t->expires_at_ms == 61000);
    CHECK(t->ticket.rfind("tk_", 0) == 0);
    auto used = book.redeem(t->ticket, "/v1/events?topic=a", 2000);
    REQUIRE(used);
    CHECK(used->subject == "alice");
    CHECK_FALSE(book.redeem(t->ticket, "/v1/events?topic=a", 2000));  // once

    auto other = book.mint(alice, {"/v1/events?topic=a"}, 1000);
    CHECK(book.redeem(other->ticket, "/v1/events?topic=b", 2000).error().code == errc::unauthenticated);
    CHECK_FALSE(book.redeem(other->ticket, "/v1/events?topic=a", 2000));  // a wrong try uses it up too

    auto late = book.mint(alice, {"s"}, 1000);
    CHECK_FALSE(book.redeem(late->ticket, "s", 61000));
}

TEST_CASE("TicketBook: never outlives its token, and is bounded") {
    MemoryTickets kept(2);
    TicketBook book(kept, std::chrono::seconds(60));
    Principal brief{.subject = "a", .expires_at_ms = 5000};
    CHECK(book.mint(brief, {"s"}, 1000)->expires_at_ms == 5000);
    REQUIRE(book.mint(brief, {"s"}, 1000));
    CHECK(book.mint(brief, {"s"}, 1000).error().code == errc::unavailable);  // full of live tickets
    CHECK(book.mint(brief, {"s"}, 6000));                                      // the expired ones make room
}

TEST_CASE("RateLimiter: a burst of the rate, then one per 1/rate; callers apart; off at 0") {
    using namespace std::chrono;
    const auto t0 = steady_clock::now();
    RateLimiter limiter(2);
    CHECK(limiter.take("a", t0) == 0);
    CHECK(limiter.take("a", t0) == 0);
    const auto wait = limiter.take("a", t0);
    CHECK(wait >= 400);
    CHECK(wait <= 500);
    CHECK(limiter.take("b", t0) == 0);
    CHECK(limiter.take("a", t0 + milliseconds(500)) == 0);
    RateLimiter off(0);
    for (int i = 0; i < 100; ++i) CHECK(off.take("a", t0) == 0);
}
