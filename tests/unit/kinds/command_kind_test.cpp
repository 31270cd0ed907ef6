#include <catch2/catch.hpp>

#include "kinds/command_kind.hpp"

using namespace taskstream;
using json = nlohmann::json;
using argv_t = std::vector<std::string>;

TEST_CASE("argv templating: params fill whole elements, never a shell") {
    json params = {{"dir", "/tmp/a b"}, {"evil", "; rm -rf /"}, {"n", 3}, {"files", {"x", "y z"}}};
    CHECK(expand_argv({"tar", "-C", "{dir}", "{evil}"}, params) == argv_t{"tar", "-C", "/tmp/a b", "; rm -rf /"});
    CHECK(expand_argv({"--count={n}", "{files}", "end"}, params) == argv_t{"--count=3", "x", "y z", "end"});
    CHECK(expand_argv({"{{literal}}", "a{{b}}c"}, params) == argv_t{"{literal}", "a{b}c"});
    CHECK(expand_argv({"$(whoami)", "`id`", "*"}, params) == argv_t{"$(whoami)", "`id`", "*"});
    CHECK_THROWS_AS(expand_argv({"{missing}"}, params), task_error);
    CHECK_THROWS_AS(expand_argv({"x{unclosed"}, params), task_error);
}

TEST_CASE("the progress line protocol") {
    auto p = parse_progress_line("progress 42 copying files");
    REQUIRE(p);
    CHECK(p->percent == 42.0);
    CHECK(p->message == "copying files");
    p = parse_progress_line("progress 7.5%");
    REQUIRE(p);
    CHECK(p->percent == 7.5);
    p = parse_progress_line("progress 3/12 file.txt");
    REQUIRE(p);
    CHECK(p->current == 3);
    CHECK(p->total == 12);
    CHECK(p->percent == 25.0);
    CHECK_FALSE(parse_progress_line("progress"));
    CHECK_FALSE(parse_progress_line("progress abc"));
    CHECK_FALSE(parse_progress_line("progress 101"));
    CHECK_FALSE(parse_progress_line("progress 3/0"));
    CHECK_FALSE(parse_progress_line("Progress 5"));
    CHECK_FALSE(parse_progress_line("our progress 5"));
}

TEST_CASE("output lines are cut and made safe") {
    CHECK(sanitize_output_line("plain ✓ text\twith tab") == "plain ✓ text\twith tab");
    CHECK(sanitize_output_line(std::string("nul\0bell\a", 9)) == "nul\\x00bell\\x07");
    CHECK(sanitize_output_line("\xff\xfe") == "\\xff\\xfe");
    CHECK(sanitize_output_line("\x1b[31mred") == "\\x1b[31mred");
    auto long_line = sanitize_output_line(std::string(10000, 'a'));
    CHECK(long_line.rfind(std::string(kMaxLogLine, 'a'), 0) == 0);
    CHECK(long_line.find("cut: 10000 bytes") != std::string::npos);
}

TEST_CASE("{params} is the whole params object as JSON; a param named in argv must always be there") {
    json params = {{"n", 3}, {"name", "a b"}};
    CHECK(expand_argv({"prog", "{params}", "--json={params}"}, params) ==
          argv_t{"prog", R"({"n":3,"name":"a b"})", R"(--json={"n":3,"name":"a b"})"});
    const json schema = json::parse(R"({"type": "object", "required": ["name"],
        "properties": {"name": {"type": "string"}, "n": {"type": "integer", "default": 1},
                       "label": {"type": "string"}}})");
    CHECK_FALSE(argv_problem({"prog", "{name}", "--n={n}", "{params}", "{{literal}}"}, schema));
    auto problem = argv_problem({"prog", "--label={label}"}, schema);
    REQUIRE(problem);
    CHECK(problem->find("{label}") != std::string::npos);
    CHECK(problem->find("neither requires nor gives a default") != std::string::npos);
    CHECK(argv_problem({"prog", "{missing}"}, json::object()));
    CHECK(argv_problem({"prog", "x{unclosed"}, schema));
}

TEST_CASE("a failing program names its error: an error line, or a Python traceback's last line") {
    auto e = parse_error_line("error disk_full no space left on /data");
    REQUIRE(e);
    CHECK(e->type == "disk_full");
    CHECK(e->message == "no space left on /data");
    CHECK(parse_error_line("error quota.exceeded")->message.empty());
    CHECK_FALSE(parse_error_line("error  two spaces"));
    CHECK_FALSE(parse_error_line("error bad/type x"));
    CHECK_FALSE(parse_error_line("errors are fine"));
    CHECK_FALSE(parse_error_line("an error happened"));
    CHECK(parse_error_line("error t \x1b[2Jx")->message == "\\x1b[2Jx");

    auto x = parse_exception_line("ValueError: width must be positive, got -3");
    REQUIRE(x);
    CHECK(x->type == "ValueError");
    CHECK(x->message == "width must be positive, got -3");
    CHECK(parse_exception_line("json.decoder.JSONDecodeError: Expecting value: line 1")->type ==
          "json.decoder.JSONDecodeError");
    CHECK(parse_exception_line("KeyboardInterrupt")->message.empty());
    CHECK_FALSE(parse_exception_line("  File \"x.py\", line 3, in <module>"));
    CHECK_FALSE(parse_exception_line("3rd: thing"));
}
