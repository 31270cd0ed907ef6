// The entry point for an application that embeds taskstream: register your
// task kinds, then hand over the command line.
//
//   int main(int argc, char** argv) {
//       taskstream::KindRegistry kinds;
//       kinds.add({.name = "reports.export", .handler = export_report});
//       return taskstream::run_main(argc, argv, std::move(kinds));
//   }
#pragma once

#include "taskstream/task_kind.hpp"

namespace taskstream {

/// Parses the same flags as the `taskstream` binary (`serve --listen …`,
/// `--help`) and serves `kinds` (plus the demo kinds with --demo) until a
/// signal. Returns the process exit code.
int run_main(int argc, char** argv, KindRegistry kinds);

} // namespace taskstream
