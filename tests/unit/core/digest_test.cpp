#include <catch2/catch.hpp>

#include "core/digest.hpp"

using namespace taskstream;

TEST_CASE("digest and base64url") {
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\xff\xfe\x00"}) {
        auto enc = base64url_encode(s);
        CHECK(enc.find_first_of("+/=") == std::string::npos);
        CHECK(base64url_decode(enc) == s);
    }
    CHECK(base64url_encode("foobar") == "Zm9vYmFy");
    CHECK_FALSE(base64url_decode("a"));
    CHECK_FALSE(base64url_decode("ab+c"));
}

TEST_CASE("HMAC-SHA256 (webhook signatures) (RFC 4231 test case 2)") {
    CHECK(hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}
