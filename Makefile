# libv6node: the two commands a newcomer needs are `make demo` and `make test`.
# Everything else is CMake; this file only drives it.

BUILD      ?= build
BUILD_TYPE ?= RelWithDebInfo
GENERATOR  := $(shell command -v ninja >/dev/null 2>&1 && echo Ninja || echo "Unix Makefiles")
CMAKE_ARGS ?=

.PHONY: all deps configure build test demo bench install format clean help

all: build

help:
	@echo "make demo     install what is missing, build, run the demo node (examples/demo-node)"
	@echo "make test     install what is missing, build, run every test suite"
	@echo "make bench    build and run the benchmarks (not part of make test)"
	@echo "make install  install the library, header, pkg-config and CMake files, v6node"
	@echo "make format   format the C sources with the repo's .clang-format"

deps:
	@./scripts/install-deps.sh

configure: deps
	cmake -S . -B $(BUILD) -G "$(GENERATOR)" -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_ARGS)

build: configure
	cmake --build $(BUILD) -j 2

test: build
	cd $(BUILD) && ctest --output-on-failure

demo: build
	./scripts/demo.sh $(BUILD)

bench: build
	$(BUILD)/bench/bench_spec

install: build
	cmake --install $(BUILD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)
