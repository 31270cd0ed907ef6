// Text search's words: a task's id, kind, tags and error, matched without regard to
// ASCII case; what a search text may be.
#include <catch2/catch.hpp>

#include "model/task_text.hpp"

using namespace taskstream;

TEST_CASE("task text: q is found in the id, kind, a tag or the error, whatever the ASCII case") {
    Task t;
    t.id = "01JABCDEFGHJKMNPQRSTVWXYZ0";
    t.kind = "images.Resize";
    t.tags = {"customer:42", "batch/eu-1"};
    t.params = {{"secret", "hidden words"}};
    CHECK(mentions(t, fold_case("resize")));
    CHECK(mentions(t, fold_case("01jabc")));
    CHECK(mentions(t, fold_case("EU-1")));
    CHECK_FALSE(mentions(t, fold_case("hidden")));  // params are not searched
    CHECK_FALSE(mentions(t, fold_case("disk")));
    t.error = TaskError{"io_error", "Disk FULL on /var"};
    CHECK(mentions(t, fold_case("disk full")));
    CHECK(mentions(t, fold_case("IO_ERR")));
    CHECK_FALSE(mentions(t, fold_case("disk  full")));
    t.error->message = "Fehler: Datei größer als erlaubt";
    CHECK(mentions(t, fold_case("GRÖßER")) == false);  // only ASCII letters fold
    CHECK(mentions(t, fold_case("größer")));
}

TEST_CASE("task text: a search text is 1 to 200 bytes of UTF-8") {
    CHECK_FALSE(search_text_problem("disk"));
    CHECK(search_text_problem("") == "is empty");
    CHECK(search_text_problem(std::string(201, 'a')));
    CHECK_FALSE(search_text_problem(std::string(200, 'a')));
    CHECK(search_text_problem("\xff\xfe") == "is not UTF-8");
}
