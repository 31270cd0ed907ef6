#include "core/json_reader.hpp"

#include <cmath>
#include <cstdint>
#include <cstdlib>

#include "core/text.hpp"

namespace taskstream {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

} // namespace

JsonReader::JsonReader(std::string_view text) : text_(text) {
    if (text_.starts_with("\xEF\xBB\xBF")) pos_ = 3;
}

bool JsonReader::fail() {
    failed_ = true;
    return false;
}

void JsonReader::skip_whitespace() {
    while (pos_ < text_.size()) {
        const char c = text_[pos_];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
        ++pos_;
    }
}

bool JsonReader::expect(char c) {
    skip_whitespace();
    if (pos_ >= text_.size() || text_[pos_] != c) return fail();
    ++pos_;
    return true;
}

char JsonReader::peek() {
    if (failed_) return 0;
    skip_whitespace();
    return pos_ < text_.size() ? text_[pos_] : 0;
}

bool JsonReader::begin_object() { return !failed_ && expect('{'); }
bool JsonReader::begin_array() { return !failed_ && expect('['); }

bool JsonReader::next_member(std::string& name, bool& first) {
    if (failed_) return false;
    skip_whitespace();
    if (pos_ < text_.size() && text_[pos_] == '}') {
        ++pos_;
        return false;
    }
    if (!first && !expect(',')) return false;
    first = false;
    skip_whitespace();
    name.clear();
    return scan_string(&name, nullptr) && expect(':');
}

bool JsonReader::next_element(bool& first) {
    if (failed_) return false;
    skip_whitespace();
    if (pos_ < text_.size() && text_[pos_] == ']') {
        ++pos_;
        return false;
    }
    if (!first && !expect(',')) return false;
    first = false;
    return true;
}

bool JsonReader::read_string(std::string& out) {
    if (failed_) return false;
    skip_whitespace();
    out.clear();
    return scan_string(&out, nullptr);
}

bool JsonReader::copy_value(std::string& out) { return !failed_ && scan_value(&out); }
bool JsonReader::skip_value() { return !failed_ && scan_value(nullptr); }

bool JsonReader::finish() {
    if (failed_) return false;
    skip_whitespace();
    return pos_ == text_.size() || fail();
}

bool JsonReader::scan_string(std::string* decoded, std::string* raw) {
    if (pos_ >= text_.size() || text_[pos_] != '"') return fail();
    const std::size_t start = pos_++;
    while (pos_ < text_.size()) {
        const char c = text_[pos_];
        const auto byte = static_cast<std::uint8_t>(c);
        if (c == '"') {
            ++pos_;
            if (raw) raw->append(text_.substr(start, pos_ - start));
            return true;
        }
        if (byte < 0x20) return fail();
        if (byte >= 0x80) {
            const std::size_t n = utf8_sequence_length(text_, pos_);
            if (n == 0) return fail();
            if (decoded) decoded->append(text_.substr(pos_, n));
            pos_ += n;
            continue;
        }
        if (c != '\\') {
            // A run of plain characters at once: names and most text are nothing else.
            std::size_t end = pos_ + 1;
            while (end < text_.size()) {
                const auto b = static_cast<std::uint8_t>(text_[end]);
                if (b < 0x20 || b >= 0x80 || b == '"' || b == '\\') break;
                ++end;
            }
            if (decoded) decoded->append(text_.substr(pos_, end - pos_));
            pos_ = end;
            continue;
        }
        if (++pos_ >= text_.size()) return fail();
        const char e = text_[pos_++];
        char simple = 0;
        switch (e) {
        case '"': simple = '"'; break;
        case '\\': simple = '\\'; break;
        case '/': simple = '/'; break;
        case 'b': simple = '\b'; break;
        case 'f': simple = '\f'; break;
        case 'n': simple = '\n'; break;
        case 'r': simple = '\r'; break;
        case 't': simple = '\t'; break;
        case 'u': break;
        default: return fail();
        }
        if (simple) {
            if (decoded) *decoded += simple;
            continue;
        }
        auto unit = [&]() -> long {
            if (pos_ + 4 > text_.size()) return -1;
            long v = 0;
            for (int k = 0; k < 4; ++k) {
                const int h = hex_value(text_[pos_ + static_cast<std::size_t>(k)]);
                if (h < 0) return -1;
                v = v * 16 + h;
            }
            pos_ += 4;
            return v;
        };
        long cp = unit();
        if (cp < 0 || (cp >= 0xDC00 && cp <= 0xDFFF)) return fail();  // a low surrogate must follow a high one
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (!text_.substr(pos_).starts_with("\\u")) return fail();
            pos_ += 2;
            const long low = unit();
            if (low < 0xDC00 || low > 0xDFFF) return fail();
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        if (decoded) append_utf8(*decoded, static_cast<std::uint32_t>(cp));
    }
    return fail();
}

bool JsonReader::scan_number(std::string* raw) {
    const std::size_t start = pos_;
    auto digits = [&] {
        const std::size_t from = pos_;
        while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
        return pos_ > from;
    };
    if (pos_ < text_.size() && text_[pos_] == '-') ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '0') ++pos_;
    else if (!digits()) return fail();
    if (pos_ < text_.size() && text_[pos_] == '.') {
        ++pos_;
        if (!digits()) return fail();
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
        ++pos_;
        if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
        if (!digits()) return fail();
    }
    // A number past a double's range is refused, as nlohmann refuses it and readers
    // would take it as infinity: only one with an exponent or 300 digits can be.
    const std::string_view number = text_.substr(start, pos_ - start);
    if (number.find_first_of("eE") != std::string_view::npos || number.size() > 300) {
        if (!std::isfinite(std::strtod(std::string(number).c_str(), nullptr))) return fail();
    }
    if (raw) raw->append(number);
    return true;
}

bool JsonReader::scan_literal(std::string* raw) {
    for (std::string_view word : {"true", "false", "null"}) {
        if (text_.substr(pos_).starts_with(word)) {
            pos_ += word.size();
            if (raw) raw->append(word);
            return true;
        }
    }
    return fail();
}

bool JsonReader::scan_scalar(std::string* raw) {
    const char c = text_[pos_];
    if (c == '"') return scan_string(nullptr, raw);
    if (c == '-' || is_digit(c)) return scan_number(raw);
    return scan_literal(raw);
}

bool JsonReader::scan_value(std::string* raw) {
    auto put = [raw](char c) {
        if (raw) *raw += c;
    };
    auto key = [&] {
        skip_whitespace();
        if (!scan_string(nullptr, raw) || !expect(':')) return false;
        put(':');
        return true;
    };
    open_.clear();
    bool want_value = true;  // else: after a value, inside the innermost open container
    for (;;) {
        skip_whitespace();
        if (pos_ >= text_.size()) return fail();
        const char c = text_[pos_];
        if (want_value) {
            if (c == '{' || c == '[') {
                ++pos_;
                put(c);
                skip_whitespace();
                const char close = c == '{' ? '}' : ']';
                if (pos_ < text_.size() && text_[pos_] == close) {
                    ++pos_;
                    put(close);
                    want_value = false;
                } else {
                    open_.push_back(close);
                    if (c == '{' && !key()) return false;
                }
            } else {
                if (!scan_scalar(raw)) return false;
                want_value = false;
            }
        } else {
            if (open_.empty()) return true;
            if (c == open_.back()) {
                ++pos_;
                put(c);
                open_.pop_back();
            } else if (c == ',') {
                ++pos_;
                put(',');
                if (open_.back() == '}' && !key()) return false;
                want_value = true;
            } else {
                return fail();
            }
        }
        if (!want_value && open_.empty()) return true;
    }
}

} // namespace taskstream
