// What `taskstream --version` prints: the version, the commit it was built
// from, and the versions of the libraries it was built with.
#pragma once

#include <string>

namespace taskstream {

std::string version_text();

} // namespace taskstream
