#include <catch2/catch.hpp>

#include "http/problem.hpp"

using namespace taskstream;
using namespace taskstream::http;
using beast_http::status;

TEST_CASE("problem mapping: each domain code has its status, and the body is RFC 9457") {
    const std::vector<std::pair<errc, status>> table{
        {errc::bad_request, status::bad_request},         {errc::not_found, status::not_found},
        {errc::gone, status::gone},                       {errc::conflict, status::conflict},
        {errc::unknown_kind, status::unprocessable_entity}, {errc::validation_failed, status::unprocessable_entity},
        {errc::unavailable, status::service_unavailable}, {errc::internal, status::internal_server_error}};
    for (const auto& [code, expected] : table) CHECK(status_for(code) == expected);

    auto res = make_problem(make_error(errc::validation_failed, "params do not match",
                                       {{"errors", {{{"pointer", "/params/v"}, {"detail", "not an integer"}}}}}),
                            "/v1/tasks");
    CHECK(res.result() == status::unprocessable_entity);
    CHECK(res[beast_http::field::content_type] == "application/problem+json");
    auto body = nlohmann::json::parse(res.body());
    CHECK(body["type"] == "/problems/validation-failed");
    CHECK(body["title"] == "validation failed");
    CHECK(body["status"] == 422);
    CHECK(body["detail"] == "params do not match");
    CHECK(body["instance"] == "/v1/tasks");
    CHECK(body["errors"][0]["pointer"] == "/params/v");
}

TEST_CASE("problem mapping: temporary trouble says when to retry; a 500 keeps its cause to itself") {
    auto busy = make_problem(make_error(errc::unavailable, "the store is busy"), "/v1/tasks");
    CHECK(busy[beast_http::field::retry_after] == "1");
    auto internal = make_problem(make_error(errc::internal, "sqlite: disk I/O error at /var/lib/x", {{"path", "/x"}}),
                                 "/v1/tasks");
    auto body = nlohmann::json::parse(internal.body());
    CHECK(body["status"] == 500);
    CHECK(body["detail"] == "the server could not handle the request");
    CHECK_FALSE(body.contains("path"));
}

TEST_CASE("problem mapping: the transport's own failures keep their status") {
    auto big = make_problem(HttpError{status::payload_too_large, "request body exceeds the limit"}, "/v1/tasks");
    CHECK(big.result() == status::payload_too_large);
    auto body = nlohmann::json::parse(big.body());
    CHECK(body["type"] == "/problems/payload-too-large");
    CHECK(body["status"] == 413);
    auto many = make_problem(HttpError{status::too_many_requests, "too many streams"}, "/v1/events");
    CHECK(many[beast_http::field::retry_after] == "1");
}
