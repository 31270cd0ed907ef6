# taskstream — the two commands: `make run` and `make test`. Both install what is
# missing (Debian 12 packages), configure, and build first.
BUILD      ?= build
JOBS       ?= $(shell nproc)
LISTEN     ?= 127.0.0.1:8080
DATA_DIR   ?= ./data
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Every Debian package the build and the tests need. Keep this list complete:
# CI runs on a clean clone and a fresh machine has none of them.
PACKAGES := build-essential cmake ninja-build pkg-config ccache curl util-linux \
	libboost1.81-dev libboost-url1.81-dev libssl-dev \
	nlohmann-json3-dev libspdlog-dev catch2 libsqlite3-dev sqlite3 libcli11-dev \
	libtomlplusplus-dev libcpp-jwt-dev python3 iproute2 chromium fonts-dejavu-core nginx-light openssl systemd \
	clang libclang-rt-14-dev redis-server libhiredis-dev gdb procps

.PHONY: all deps configure build run test bench package install record-versions versions-diff clean \
	fuzz-build fuzz test-asan test-tsan

# Installs those of the Debian packages $(1) that are not installed yet. No package may
# start its service while it installs (nginx would listen on every address): a
# policy-rc.d that says no is put in place for the install when the machine has none.
define install_missing
	@missing=$$(for p in $(1); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	  done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  guard=""; if [ ! -e /usr/sbin/policy-rc.d ]; then guard=1; \
	    printf '#!/bin/sh\nexit 101\n' | $(SUDO) tee /usr/sbin/policy-rc.d >/dev/null; $(SUDO) chmod +x /usr/sbin/policy-rc.d; fi; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	  status=$$?; [ -z "$$guard" ] || $(SUDO) rm -f /usr/sbin/policy-rc.d; exit $$status; \
	fi
endef

all: build

deps:
	$(call install_missing,$(PACKAGES))
	@command -v node >/dev/null && command -v npm >/dev/null || \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends nodejs npm
	@# client-js's dev tools (tests, types, the browser driver), exactly as locked.
	@if [ ! -f client-js/node_modules/.package-lock.json ] || \
	    [ client-js/package-lock.json -nt client-js/node_modules/.package-lock.json ]; then \
	  cd client-js && npm ci --no-audit --no-fund; fi
	@# promtool, for the metrics test: unpacked from Debian's prometheus package into the
	@# build dir, not installed (installing it would start a Prometheus server).
	@if [ ! -x $(BUILD)/tools/promtool ]; then \
	  rm -rf $(BUILD)/tools/deb && mkdir -p $(BUILD)/tools/deb && cd $(BUILD)/tools/deb && \
	  { apt-get download -qq prometheus || { $(SUDO) apt-get update -qq && apt-get download -qq prometheus; }; } && \
	  dpkg-deb -x prometheus_*.deb unpacked && cp unpacked/usr/bin/promtool ../promtool && cd .. && rm -rf deb; fi

	@# Repeatable builds: warn when the installed package versions are not those the
	@# project was last tested with (packaging/debian-versions.txt; make record-versions).
	@# One line: nothing to act on for a user; `make versions-diff` shows the packages.
	@now=$$(mktemp); dpkg-query -W -f='$${Package} $${Version}\n' $(RECORDED) 2>/dev/null | awk 'NF == 2' | sort >$$now; \
	if ! cmp -s $$now packaging/debian-versions.txt; then \
	  n=$$(diff packaging/debian-versions.txt $$now | grep -c '^>' || true); \
	  echo "note: $$n Debian package(s) differ from the versions last tested (make versions-diff lists them)"; \
	fi; rm -f $$now

versions-diff:
	@now=$$(mktemp); dpkg-query -W -f='$${Package} $${Version}\n' $(RECORDED) 2>/dev/null | awk 'NF == 2' | sort >$$now; \
	diff packaging/debian-versions.txt $$now | grep '^[<>]' | sed 's/^</  tested:   /; s/^>/  installed:/' || true; rm -f $$now

# The packages whose versions are recorded: the build's and the tests' own, and node.
RECORDED := $(PACKAGES) nodejs npm
record-versions:
	dpkg-query -W -f='$${Package} $${Version}\n' $(RECORDED) 2>/dev/null | awk 'NF == 2' | sort >packaging/debian-versions.txt

$(BUILD)/build.ninja: CMakeLists.txt | deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

configure: deps $(BUILD)/build.ninja

build: configure
	cmake --build $(BUILD) -j $(JOBS)

run: build
	mkdir -p $(DATA_DIR)
	@echo "taskstream: the dashboard is at http://$(LISTEN)/; data lives in $(DATA_DIR)/ (stop, then rm -rf it to start afresh)."
	@echo "taskstream: the terminal client is $(BUILD)/taskstream (try: $(BUILD)/taskstream run demo.countdown);"
	@echo "            'sudo make install' puts it on your PATH as taskstream. Ctrl-C stops the server."
	./$(BUILD)/taskstream serve --listen $(LISTEN) --data-dir $(DATA_DIR) --demo --config examples/taskstream.toml

test: build fuzz-build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 600

# The libFuzzer targets (tests/fuzz), built by clang with ASan+UBSan in their own
# tree; `make test` runs each briefly (ctest "fuzz: …"), `make fuzz` for longer.
FUZZ_BUILD := $(BUILD)/fuzz
FUZZ_SECONDS ?= 300
$(FUZZ_BUILD)/build.ninja: CMakeLists.txt | deps
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE= \
	  -DCMAKE_CXX_FLAGS='-O1 -gline-tables-only' -DTASKSTREAM_FUZZ=ON

fuzz-build: deps $(FUZZ_BUILD)/build.ninja
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_targets

fuzz: fuzz-build
	@for t in $$(ls tests/fuzz/corpus); do \
	  tests/fuzz/run_fuzz.sh $(FUZZ_BUILD)/tests/fuzz/$$t tests/fuzz/corpus/$$t $(FUZZ_SECONDS) || exit 1; done

# The unit and integration tests under ASan+UBSan, and the concurrent unit tests
# (journal, hub, fan-out shards, executor) under TSan, each in its own tree.
ASAN_REPORTS = $(CURDIR)/$(BUILD)-asan/sanitizer-reports
test-asan: deps
	cmake -S . -B $(BUILD)-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTASKSTREAM_SANITIZE=address
	cmake --build $(BUILD)-asan -j $(JOBS) --target unit_tests integration_tests redis_tests taskstream
	@# Every process writes its reports to a file, the servers the tests start included
	@# (their stderr is not the test's): the run fails when any report was written.
	rm -rf $(ASAN_REPORTS) && mkdir -p $(ASAN_REPORTS)
	cd $(BUILD)-asan && \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:log_path=$(ASAN_REPORTS)/asan \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$(ASAN_REPORTS)/ubsan \
	  ctest --output-on-failure -j $(JOBS) --timeout 900 -R '^(unit|integration|redis)'
	@if [ -n "$$(ls -A $(ASAN_REPORTS))" ]; then cat $(ASAN_REPORTS)/*; echo "sanitizer reports in $(ASAN_REPORTS)"; exit 1; fi

TSAN_TESTS := journal:*,hub:*,executor:*,engine:*,stream opener:*
test-tsan: deps
	cmake -S . -B $(BUILD)-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTASKSTREAM_SANITIZE=thread
	cmake --build $(BUILD)-tsan -j $(JOBS) --target unit_tests
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 $(BUILD)-tsan/tests/unit_tests '$(TSAN_TESTS)'

# The Debian package (CPack): binary, systemd unit, default config -> build/taskstream_*.deb.
package: build
	cd $(BUILD) && cpack -G DEB

# The binary, headers, libraries and the CMake package under PREFIX (default /usr/local).
PREFIX ?= /usr/local
install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

# Figures, not tests: the scenarios of DESIGN sections 8 and 9.5 (about 40 minutes),
# beside nginx + nchan, Node.js, BullMQ and Celery; installed here, never by `make test`.
# A subset: BENCH_PEERS="taskstream bullmq-always" BENCH_SCENARIOS="Q1 Q2" BENCH_REPS=1 make bench
BENCH_PACKAGES := python3 nginx-light libnginx-mod-nchan redis-server python3-celery python3-redis
bench: build
	$(call install_missing,$(BENCH_PACKAGES))
	@# BullMQ and its Redis client, exactly as locked.
	@if [ ! -f tests/bench/peers/node_modules/.package-lock.json ] || \
	    [ tests/bench/peers/package-lock.json -nt tests/bench/peers/node_modules/.package-lock.json ]; then \
	  cd tests/bench/peers && npm ci --no-audit --no-fund; fi
	tests/bench/run.sh $(BUILD) $(BUILD)/bench-results.json
	@# The dashboard in headless Chromium: first render, bytes, frames with 200 tasks running.
	cd client-js && TASKSTREAM_BINARY=$(abspath $(BUILD))/taskstream node bench/dashboard.mjs | tee $(abspath $(BUILD))/dashboard-figures.json

clean:
	rm -rf $(BUILD)
