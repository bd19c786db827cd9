# Quick start: `make demo` and `make test`. Both install missing Debian packages first.
BUILD_DIR ?= build
CMAKE_FLAGS ?=
PREFIX ?= /usr/local

.PHONY: all deps configure build demo test bench results install docs clean

all: build

deps:
	@scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR)

demo: build
	@scripts/demo.sh $(BUILD_DIR)/pmlab

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j2

# The library, its headers and the CMake package under PREFIX (docs/extending.md).
install: build
	@cmake --install $(BUILD_DIR) --prefix $(PREFIX)

# The API reference of the installed headers, BUILD_DIR/docs/html/index.html (doxygen).
docs: configure
	@scripts/install-deps.sh doxygen
	@cmake $(BUILD_DIR) >/dev/null && cmake --build $(BUILD_DIR) --target docs

bench: build
	@$(BUILD_DIR)/bench/pmlab_bench

# The sweeps of experiments/ and docs/results.md from them (FULL=1: the full grids, hours).
results: build
	@scripts/results.sh $(BUILD_DIR)/pmlab

clean:
	rm -rf $(BUILD_DIR)
