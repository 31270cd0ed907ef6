// The Catch2 main shared by the test programs. Two aids for a test that hangs:
// Catch's output goes out as it is written (ctest kills a test at its timeout,
// and a buffered report would be lost), and past TASKSTREAM_TEST_STALL_S seconds
// (270, under ctest's 300) every thread's stack and the children's states are
// printed to stderr, so that the hang names itself.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <sys/prctl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

namespace {

void report_stall(long seconds) {
    const auto self = std::to_string(getpid());
    std::fprintf(stderr, "\n=== this test has run %ld s: its threads and children follow\n", seconds);
    const std::string children = "ps -o pid,stat,wchan:20,etime,args --ppid " + self + " >&2";
    const std::string stacks = "command -v gdb >/dev/null && timeout 60 gdb -q -batch -p " + self +
                               " -ex 'thread apply all bt 30' >&2 2>&1";
    // The servers it started too: a hang may be theirs (a task that never ends).
    const std::string server_stacks = "command -v gdb >/dev/null && for p in $(pgrep -P " + self +
                                      " -x taskstream); do echo \"=== server $p\" >&2; timeout 60 gdb -q -batch -p $p"
                                      " -ex 'thread apply all bt 15' >&2 2>&1; done";
    std::fflush(stderr);
    (void)std::system(children.c_str());
    (void)std::system(stacks.c_str());
    (void)std::system(server_stacks.c_str());
}

} // namespace

int main(int argc, char** argv) {
    std::cout << std::unitbuf;
    long stall_s = 270;
    if (const char* s = std::getenv("TASKSTREAM_TEST_STALL_S")) stall_s = std::atol(s);
    if (stall_s > 0) {
        prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY);  // let the reporter's gdb attach to this process
        std::thread([stall_s] {
            std::this_thread::sleep_for(std::chrono::seconds(stall_s));
            report_stall(stall_s);
        }).detach();
    }
    return Catch::Session().run(argc, argv);
}
