# ipraktik: the two commands are `make run` and `make test`; both install what is missing first.
SHELL := /bin/bash
BUILD_DIR := build
JOBS ?= $(shell nproc)
# Integration tests mostly wait on servers, so run more programs than there are cores.
TEST_JOBS ?= $(shell echo $$(( $(JOBS) * 2 )))
# Let ccache share results between checkouts in different folders (CI builds a fresh clone).
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1

.PHONY: all deps build test test-asan run stop dashboards bench fmt fmt-check clean api-release

all: build

deps:
	@deploy/deps.sh

$(BUILD_DIR)/build.ninja: CMakeLists.txt CMakePresets.json
	cmake --preset default

build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	ctest --test-dir $(BUILD_DIR) -j $(TEST_JOBS) --output-on-failure

# The same tests under AddressSanitizer and UndefinedBehaviorSanitizer, in build-asan/.
test-asan: deps
	cmake --preset asan
	cmake --build build-asan -j $(JOBS)
	ctest --test-dir build-asan -j $(TEST_JOBS) --output-on-failure

run: build
	@deploy/local/stack.sh run

stop:
	@deploy/local/stack.sh stop

# Every dashboard of deploy/grafana as a PNG in build/dashboards/, from the Prometheus of a
# running `make run` (another terminal), so they can be looked at without Grafana.
dashboards: deps
	@/usr/bin/python3 deploy/grafana/render.py --out $(BUILD_DIR)/dashboards

bench: deps
	cmake --preset default
	cmake --build $(BUILD_DIR) -j $(JOBS) --target benchmarks
	@tests/bench/run.sh $(BUILD_DIR)

fmt:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i
	@cd proto && node_modules/.bin/buf format -w

# The API as released, for `buf breaking` in `make test`: run on the commit to be tagged
# (docs/api.md, "Versions and releases"), e.g. `make api-release VERSION=v0.2.0`.
api-release: deps
	@[[ "$(VERSION)" =~ ^v[0-9]+\.[0-9]+\.[0-9]+$$ ]] || { echo "usage: make api-release VERSION=vX.Y.Z"; exit 2; }
	@test ! -e proto/release/$(VERSION).binpb || { echo "proto/release/$(VERSION).binpb exists"; exit 2; }
	cd proto && node_modules/.bin/buf build --exclude-source-info --path ipraktik/v1 --path google \
	  -o release/$(VERSION).binpb

clean:
	rm -rf $(BUILD_DIR) build-asan
