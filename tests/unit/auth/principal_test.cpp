#include <catch2/catch.hpp>

#include "auth/principal.hpp"

using namespace taskstream;

TEST_CASE("pattern_covers: a granted pattern covers exact topics and narrower patterns only") {
    CHECK(pattern_covers("*", "anything", false));
    CHECK(pattern_covers("*", "", true));                    // "*" covers the pattern "*"
    CHECK(pattern_covers("orders/*", "orders/1", false));
    CHECK(pattern_covers("orders/*", "orders/eu/", true));   // orders/eu/* inside orders/*
    CHECK_FALSE(pattern_covers("orders/*", "", true));       // * is wider than orders/*
    CHECK_FALSE(pattern_covers("orders/*", "ordersX", false));
    CHECK(pattern_covers("orders/1", "orders/1", false));
    CHECK_FALSE(pattern_covers("orders/1", "orders/1", true));  // an exact grant never covers a pattern
}

TEST_CASE("principal_from_claims: sub and exp are required; the scope's shape is checked") {
    auto p = principal_from_claims({{"sub", "alice"}, {"exp", 2000000000},
                                    {"taskstream", {{"create", {"demo.*", "report"}}, {"control", true}}}});
    REQUIRE(p);
    CHECK(p->subject == "alice");
    CHECK(p->expires_at_ms == 2000000000000);
    CHECK(p->may_create("report"));
    CHECK_FALSE(p->may_create("demo.countdown"));  // kinds are names, not patterns
    CHECK(p->control);
    CHECK_FALSE(p->admin);
    CHECK_FALSE(principal_from_claims({{"exp", 1}}));
    CHECK_FALSE(principal_from_claims({{"sub", "a"}, {"exp", 199000000009999999.0}}));  // past int64 milliseconds
    CHECK_FALSE(principal_from_claims({{"sub", "a"}, {"exp", -1}}));
    CHECK(principal_from_claims({{"sub", "a"}, {"exp", 253402300799}}));
    CHECK_FALSE(principal_from_claims({{"sub", "a"}}));
    CHECK_FALSE(principal_from_claims({{"sub", ""}, {"exp", 1}}));
    CHECK_FALSE(principal_from_claims({{"sub", "a"}, {"exp", 1}, {"taskstream", {{"subscribe", "x"}}}}));
    CHECK_FALSE(principal_from_claims({{"sub", "a"}, {"exp", 1}, {"taskstream", {{"admin", "yes"}}}}));
    CHECK_FALSE(principal_from_claims({{"sub", "a"}, {"exp", 1}, {"taskstream", 7}}));
}

TEST_CASE("Principal: own tasks only, unless admin; a multiplexed stream needs every topic covered") {
    Principal alice{.subject = "alice", .subscribe = {"orders/*", "tasks/*"}, .control = true};
    Task mine, theirs;
    mine.owner = "alice";
    theirs.owner = "bob";
    CHECK(alice.may_see(mine));
    CHECK(alice.may_control(mine));
    CHECK_FALSE(alice.may_see(theirs));
    CHECK(alice.task_scope() == std::optional<std::string>("alice"));
    auto filter = TopicFilter::parse({"orders/1", "tasks/*"}, {});
    REQUIRE(filter);
    CHECK(alice.may_subscribe(*filter));
    auto wider = TopicFilter::parse({"orders/1", "billing"}, {});
    CHECK_FALSE(alice.may_subscribe(*wider));
    CHECK(Principal::anyone().may_see(theirs));
    CHECK_FALSE(Principal::anyone().task_scope());
}
