// A terminal's screen, emulated: what stays visible after a program's output,
// for tests of the command line under a pseudo-terminal.
#pragma once

#include <string>
#include <vector>

namespace taskstream::testing {

/// The lines a terminal shows after `bytes`: printable characters, CR, LF, and the
/// sequences the command line draws with (ESC[nF, ESC[J, ESC[K, ESC[2K); other
/// escape sequences are skipped. One cell per code point.
std::vector<std::string> screen_of(const std::string& bytes);

/// True when a line of `screen` holds `text`.
bool on_screen(const std::vector<std::string>& screen, const std::string& text);

/// The screen as text, a line each.
std::string joined(const std::vector<std::string>& screen);

} // namespace taskstream::testing
