#include "terminal_screen.hpp"

#include <algorithm>
#include <cstdlib>

namespace taskstream::testing {

std::vector<std::string> screen_of(const std::string& bytes) {
    std::vector<std::vector<std::string>> rows(1);
    std::size_t row = 0, col = 0;
    auto clear_from = [&rows](std::size_t r, std::size_t c) {
        if (rows[r].size() > c) rows[r].resize(c);
    };
    for (std::size_t i = 0; i < bytes.size();) {
        const auto c = static_cast<unsigned char>(bytes[i]);
        if (c == '\x1b' && i + 1 < bytes.size() && bytes[i + 1] == '[') {
            std::size_t end = i + 2;
            while (end < bytes.size() && !(bytes[end] >= 0x40 && bytes[end] <= 0x7e)) ++end;
            if (end == bytes.size()) break;
            const std::string arg = bytes.substr(i + 2, end - i - 2);
            const int n = arg.empty() ? 0 : std::atoi(arg.c_str());
            switch (bytes[end]) {
            case 'F': row -= std::min<std::size_t>(row, std::max(n, 1)), col = 0; break;
            case 'J':
                clear_from(row, col);
                rows.resize(row + 1);
                break;
            case 'K': n == 2 ? rows[row].clear() : clear_from(row, col); break;
            default: break;
            }
            i = end + 1;
            continue;
        }
        if (c == '\r') col = 0, ++i;
        else if (c == '\n') {
            if (++row == rows.size()) rows.emplace_back();
            ++i;
        } else {
            std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;
            if (rows[row].size() <= col) rows[row].resize(col + 1, " ");
            rows[row][col++] = bytes.substr(i, len);
            i += len;
        }
    }
    std::vector<std::string> out;
    for (const auto& cells : rows) {
        std::string line;
        for (const auto& cell : cells) line += cell;
        out.push_back(line);
    }
    return out;
}

bool on_screen(const std::vector<std::string>& screen, const std::string& text) {
    return std::any_of(screen.begin(), screen.end(), [&](const auto& line) { return line.find(text) != std::string::npos; });
}

std::string joined(const std::vector<std::string>& screen) {
    std::string out;
    for (const auto& line : screen) out += line + "\n";
    return out;
}

} // namespace taskstream::testing
