# libv6node: the two commands a newcomer needs are `make demo` and `make test`.
# Everything else is CMake; this file only drives it.

BUILD      ?= build
BUILD_TYPE ?= RelWithDebInfo
GENERATOR  := $(shell command -v ninja >/dev/null 2>&1 && echo Ninja || echo "Unix Makefiles")
CMAKE_ARGS ?=

.PHONY: all deps configure build test test-sanitize test-valgrind fuzz demo bench soak e2e bench-e2e install format format-check clean help

# The C suites (unit, cli, integration) in the two checking builds.
C_SUITES   := unit|cli|integration
CHECK_ARGS := -DV6N_PYTHON=OFF -DV6N_GO=OFF -DV6N_CONFORMANCE=OFF -DV6N_BUILD_BENCH=OFF
FUZZ_SECONDS ?= 60
# make bench BENCH_ROUNDS=5: a quick run (see bench/run.sh)
BENCH_ROUNDS ?=
# make soak SOAK_CYCLES=50: a shorter soak (see bench/soak/run.sh)
SOAK_CYCLES ?= 300
SOAK_VG_CYCLES ?= 30

all: build

help:
	@echo "make demo     install what is missing, build, run the demo node (examples/demo-node)"
	@echo "make test     install what is missing, build, run every test suite"
	@echo "make test-sanitize   the C suites under AddressSanitizer + UndefinedBehaviorSanitizer"
	@echo "make test-valgrind   the C suites under valgrind memcheck"
	@echo "make fuzz     run each libFuzzer target for FUZZ_SECONDS (default 60)"
	@echo "make bench    build and run the benchmarks (not part of make test); BENCH_ROUNDS=5 for a quick run"
	@echo "make e2e      a real vantage6 server and nodes in the suite's own namespace and engine (tests/e2e)"
	@echo "make bench-e2e    start to online on the server: v6node start vs the official v6 node start"
	@echo "make soak     the soaks, Python and C: SOAK_CYCLES (300) start/status/logs/list/stop cycles, RSS and fds; C under valgrind (SOAK_VG_CYCLES, 30)"
	@echo "make install  install the library, header, pkg-config and CMake files, v6node"
	@echo "make format   format the C sources with the repo's .clang-format"
	@echo "make format-check  fail if a C source is not formatted so"

deps:
	@./scripts/install-deps.sh

configure: deps
	cmake -S . -B $(BUILD) -G "$(GENERATOR)" -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_ARGS)

build: configure
	cmake --build $(BUILD) -j 2

test: build
	cd $(BUILD) && ctest --output-on-failure

test-sanitize: deps
	cmake -S . -B build-asan -G "$(GENERATOR)" -DCMAKE_BUILD_TYPE=Debug -DV6N_SANITIZE=ON $(CHECK_ARGS)
	cmake --build build-asan -j 2
	cd build-asan && ctest --output-on-failure -L '$(C_SUITES)'

test-valgrind: deps
	cmake -S . -B build-valgrind -G "$(GENERATOR)" -DCMAKE_BUILD_TYPE=Debug -DV6N_VALGRIND=ON $(CHECK_ARGS)
	cmake --build build-valgrind -j 2
	cd build-valgrind && ctest --output-on-failure -L '$(C_SUITES)'

fuzz: deps
	./scripts/fuzz.sh $(FUZZ_SECONDS)

demo: build
	./scripts/demo.sh $(BUILD)

bench: build
	./bench/run.sh $(BUILD) $(BENCH_ROUNDS)

# The end-to-end suite (tests/e2e/README.md): needs root; its cache is outside the clone.
e2e: build
	./tests/e2e/run.sh $(BUILD)

bench-e2e: build
	./tests/e2e/run.sh --bench $(BUILD)

# The soaks (not part of make test): the Python one builds its binding itself with
# pip (bench/soak/run.sh); the C one (bench/soak/soak-c.sh) runs SOAK_CYCLES cycles,
# then SOAK_VG_CYCLES under valgrind.
soak: build
	./bench/soak/run.sh --cycles $(SOAK_CYCLES)
	./bench/soak/soak-c.sh $(BUILD) $(SOAK_CYCLES) $(SOAK_VG_CYCLES)

install: build
	cmake --install $(BUILD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

format-check: deps
	clang-format --dry-run -Werror $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)
