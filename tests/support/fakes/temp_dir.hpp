// TempDir: a fresh directory under the system's temp dir, removed with everything
// in it when the TempDir goes (a test's SQLite data, sockets' files, configs).
#pragma once

#include <filesystem>

namespace taskstream::testing {

class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

} // namespace taskstream::testing
