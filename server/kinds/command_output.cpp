#include "kinds/command_output.hpp"

#include <algorithm>

namespace taskstream {

namespace {

bool valid_error_type(const std::string& type) {
    return !type.empty() && type.size() <= 64 && std::all_of(type.begin(), type.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == ':' || c == '-';
    });
}

} // namespace

std::optional<Progress> parse_progress_line(const std::string& line) {
    if (line.rfind("progress ", 0) != 0) return std::nullopt;
    std::size_t pos = 9;
    std::size_t end = line.find(' ', pos);
    std::string number = line.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    std::string message = end == std::string::npos ? "" : line.substr(end + 1);
    Progress p;
    p.message = sanitize_output_line(message);
    try {
        if (auto slash = number.find('/'); slash != std::string::npos) {
            std::size_t used1 = 0, used2 = 0;
            long long cur = std::stoll(number.substr(0, slash), &used1);
            long long total = std::stoll(number.substr(slash + 1), &used2);
            if (used1 != slash || used2 != number.size() - slash - 1 || total <= 0 || cur < 0) return std::nullopt;
            p.current = cur;
            p.total = total;
            p.percent = 100.0 * static_cast<double>(cur) / static_cast<double>(total);
        } else {
            if (!number.empty() && number.back() == '%') number.pop_back();
            std::size_t used = 0;
            double pct = std::stod(number, &used);
            if (used != number.size() || pct < 0 || pct > 100) return std::nullopt;
            p.percent = pct;
        }
    } catch (const std::exception&) {
        return std::nullopt;
    }
    return p;
}

std::string sanitize_output_line(const std::string& line) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    const std::size_t n = std::min(line.size(), kMaxLogLine);
    for (std::size_t i = 0; i < n;) {
        auto c = static_cast<unsigned char>(line[i]);
        std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        bool valid = len > 0 && i + len <= line.size();
        for (std::size_t k = 1; valid && k < len; ++k) valid = (static_cast<unsigned char>(line[i + k]) >> 6) == 2;
        if (valid && len == 1 && (c < 0x20 || c == 0x7f) && c != '\t') valid = false;
        if (!valid) {
            out += "\\x";
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
            ++i;
        } else {
            out.append(line, i, len);
            i += len;
        }
    }
    if (line.size() > kMaxLogLine) out += " …[cut: " + std::to_string(line.size()) + " bytes]";
    return out;
}

std::optional<ReportedError> parse_error_line(const std::string& line) {
    if (line.rfind("error ", 0) != 0) return std::nullopt;
    const auto space = line.find(' ', 6);
    ReportedError e{line.substr(6, space == std::string::npos ? std::string::npos : space - 6),
                    space == std::string::npos ? std::string() : sanitize_output_line(line.substr(space + 1))};
    if (!valid_error_type(e.type)) return std::nullopt;
    return e;
}

std::optional<ReportedError> parse_exception_line(const std::string& line) {
    const auto colon = line.find(": ");
    ReportedError e{line.substr(0, colon), colon == std::string::npos ? std::string()
                                                                      : sanitize_output_line(line.substr(colon + 2))};
    // A dotted Python name: letters, digits, _ and dots, not starting with a digit.
    const bool name = valid_error_type(e.type) && !std::isdigit(static_cast<unsigned char>(e.type[0])) &&
                      e.type.find_first_of(":-") == std::string::npos;
    if (!name) return std::nullopt;
    return e;
}

} // namespace taskstream
