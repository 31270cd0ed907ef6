#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "core/json_reader.hpp"

using namespace taskstream;

namespace {

/// The compact text of the one value in `text`, or "<invalid>".
std::string compact(std::string_view text) {
    JsonReader reader(text);
    std::string out;
    if (!reader.copy_value(out) || !reader.finish()) return "<invalid>";
    return out;
}

} // namespace

TEST_CASE("json reader: a value keeps its tokens as written, less the whitespace between them") {
    CHECK(compact(R"( { "t" : 2 , "n" : [ 1 , -0.5e+3 , true , null , {} , [] ] } )") ==
          R"({"t":2,"n":[1,-0.5e+3,true,null,{},[]]})");
    // Strings keep their escapes and inner spaces; member order is the producer's.
    CHECK(compact(R"({"b" : "a \"b\" \u00e9 \/", "a":1})") == R"({"b":"a \"b\" \u00e9 \/","a":1})");
    CHECK(compact("\xEF\xBB\xBF 7") == "7");  // a byte order mark, as nlohmann skips it
    CHECK(compact("123456789012345678901234567890") == "123456789012345678901234567890");  // no precision lost
    CHECK(compact("1e-400") == "1e-400");  // taken as 0 by nlohmann, and kept
}

TEST_CASE("json reader: refuses what nlohmann's parser refuses") {
    for (const char* bad : {"", " ", "{", "[1,]", "[,1]", "{\"a\":1,}", "{\"a\" 1}", "{1:2}", "01", "1.", ".5", "-",
                            "1e", "+1", "tru", "nul", "[1 2]", "\"abc", "\"\\x\"", "\"\\u12G4\"", "\"\\ud800\"",
                            "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"a\nb\"", "\"\xC0\xAF\"", "\"\xED\xA0\x80\"",
                            "\"\xF4\x90\x80\x80\"", "1 2", "[]]", "{}}", "'a'", "NaN", "1e400", "-2E+999", "[0, 86e4444444444]"}) {
        INFO(bad);
        CHECK(compact(bad) == "<invalid>");
        CHECK(nlohmann::json::accept(bad) == false);
    }
}

TEST_CASE("json reader: strings decode to UTF-8, surrogate pairs included") {
    JsonReader reader(R"("a\n\t\"\\\/\u00e9\ud83d\ude00\u0000z")");
    std::string out;
    REQUIRE(reader.read_string(out));
    CHECK(reader.finish());
    CHECK(out == std::string("a\n\t\"\\/\xC3\xA9\xF0\x9F\x98\x80") + '\0' + "z");
    CHECK(out == nlohmann::json::parse(R"("a\n\t\"\\\/\u00e9\ud83d\ude00\u0000z")").get<std::string>());
}

TEST_CASE("json reader: objects and arrays member by member, and nesting deeper than any stack") {
    JsonReader reader(R"({"x": [1, {"y": 2}], "z": "w"})");
    REQUIRE(reader.begin_object());
    std::string name, value;
    bool first = true;
    REQUIRE(reader.next_member(name, first));
    CHECK(name == "x");
    REQUIRE(reader.copy_value(value));
    CHECK(value == R"([1,{"y":2}])");
    REQUIRE(reader.next_member(name, first));
    CHECK(name == "z");
    REQUIRE(reader.read_string(value));
    CHECK(value == "w");
    CHECK_FALSE(reader.next_member(name, first));
    CHECK_FALSE(reader.failed());
    CHECK(reader.finish());

    const std::string deep = std::string(200000, '[') + std::string(200000, ']');
    CHECK(compact(deep) == deep);
    CHECK(compact(deep.substr(1)) == "<invalid>");
}

TEST_CASE("json reader: after an error every call fails") {
    JsonReader reader("[1, x]");
    REQUIRE(reader.begin_array());
    bool first = true;
    std::string out;
    REQUIRE(reader.next_element(first));
    REQUIRE(reader.skip_value());
    REQUIRE(reader.next_element(first));
    CHECK_FALSE(reader.copy_value(out));
    CHECK(reader.failed());
    CHECK_FALSE(reader.next_element(first));
    CHECK_FALSE(reader.finish());
    CHECK(reader.peek() == 0);
}
