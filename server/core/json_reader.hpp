// JsonReader: reads a JSON text (RFC 8259) front to back without building a
// document. A producer's body is read once on every publish: its events' `data`
// is kept as the producer wrote it, less the whitespace between tokens, and a DOM
// built only to be dumped again cost more than the rest of an event's way in.
//
// Strict like nlohmann's parser (UTF-8 checked, surrogate pairs matched, a leading
// byte order mark skipped), and never recursive: any depth is read in constant stack.
// After the first error every call returns false and failed() is true.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace taskstream {

class JsonReader {
public:
    explicit JsonReader(std::string_view text);

    /// The first character of the next value ('{', '[', '"', a digit, '-', 't', 'f', 'n'), or 0 at the end.
    char peek();
    /// Consumes '{' ('['); then next_member (next_element) until it returns false.
    bool begin_object();
    bool begin_array();
    /// The next member's name, decoded, with its ':' consumed; false at the '}' (consumed) or on an error.
    /// `first` is true for the first call of an object and is cleared.
    bool next_member(std::string& name, bool& first);
    /// Whether an element follows (its ',' consumed); false at the ']' (consumed) or on an error.
    bool next_element(bool& first);
    /// A string value, decoded into UTF-8.
    bool read_string(std::string& out);
    /// Any value, appended to `out` as written less the whitespace between its tokens.
    bool copy_value(std::string& out);
    /// Any value, checked and passed over.
    bool skip_value();
    /// True when only whitespace is left (and nothing failed).
    bool finish();

    bool failed() const noexcept { return failed_; }

private:
    bool fail();
    void skip_whitespace();
    bool expect(char c);
    /// A string at pos_: decoded into `decoded` when given; its raw text (quotes included) to `raw` when given.
    bool scan_string(std::string* decoded, std::string* raw);
    bool scan_number(std::string* raw);
    bool scan_literal(std::string* raw);
    bool scan_scalar(std::string* raw);
    bool scan_value(std::string* raw);

    std::string_view text_;
    std::size_t pos_ = 0;
    bool failed_ = false;
    std::vector<char> open_;  // scan_value's containers, kept for the next value
};

} // namespace taskstream
