// taskstream: the server binary with no kinds of its own (--demo adds demo.*;
// applications embed the server through taskstream/server.hpp instead).
#include "taskstream/server.hpp"

int main(int argc, char** argv) { return taskstream::run_main(argc, argv, taskstream::KindRegistry{}); }
