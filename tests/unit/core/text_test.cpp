#include <catch2/catch.hpp>

#include "core/text.hpp"

using namespace taskstream;

TEST_CASE("valid_utf8: well-formed sequences pass, every kind of malformed one fails") {
    CHECK(valid_utf8(""));
    CHECK(valid_utf8("plain ascii"));
    CHECK(valid_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));  // é € 😀
    CHECK(valid_utf8(std::string("nul\0inside", 10)));                 // NUL is a code point
    CHECK_FALSE(valid_utf8("\xFF"));
    CHECK_FALSE(valid_utf8("\xC0\xAF"));          // overlong '/'
    CHECK_FALSE(valid_utf8("\xE0\x80\xAF"));      // overlong, three bytes
    CHECK_FALSE(valid_utf8("\xED\xA0\x80"));      // a surrogate
    CHECK_FALSE(valid_utf8("\xF4\x90\x80\x80"));  // past U+10FFFF
    CHECK_FALSE(valid_utf8("\xC3"));              // cut short
    CHECK_FALSE(valid_utf8("\xE2\x82"));
    CHECK_FALSE(valid_utf8("\x80"));              // a lone continuation byte
}

TEST_CASE("printable: a log line cannot be forged or broken by what a client sent") {
    CHECK(printable("/v1/tasks/abc") == "/v1/tasks/abc");
    CHECK(printable("x\n[forged] line\r") == "x\\x0a[forged] line\\x0d");
    CHECK(printable("back\\slash") == "back\\x5cslash");  // so that \x0a in a path is not mistaken for an escape
    CHECK(printable("bad\xFFutf8") == "bad\\xffutf8");
    CHECK(printable("caf\xC3\xA9") == "caf\xC3\xA9");
    CHECK(printable(std::string(300, 'a'), 10) == std::string(10, 'a') + "…");
}

TEST_CASE("without_controls: text from a task reaches a terminal as text, never as a new line or an escape") {
    CHECK(without_controls("plain ✓ text\twith tab, back\\slash") == "plain ✓ text\twith tab, back\\slash");
    CHECK(without_controls("boom\n2026-01-01T00:00:00Z forged succeeded") ==
          "boom\\x0a2026-01-01T00:00:00Z forged succeeded");
    CHECK(without_controls("\x1b[2J\x1b]0;title\x07") == "\\x1b[2J\\x1b]0;title\\x07");
    CHECK(without_controls("csi \xC2\x9B" "31m") == "csi \\xc2\\x9b31m");  // C1 CSI, U+009B
    CHECK(without_controls("bad\xFFutf8\r") == "bad\\xffutf8\\x0d");
    CHECK(without_controls("caf\xC3\xA9 \xC2\xA0") == "caf\xC3\xA9 \xC2\xA0");  // é and a no-break space stay
}
