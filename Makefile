# citynode - top-level entry points. The real build is CMake (CMakeLists.txt);
# these targets install what is missing, build, and run.
#
#   make run          build and start the demo federation (scripts/demo.sh): 41 nodes on
#                     127.0.0.1:8470-8510 - Triangulum's 6 cities and consortium, the 32
#                     model projects of "Modellprojekte Smart Cities" 2020 and their network,
#                     München for Connected Urban Twins; open Leipzig's registry on :8470
#   make check        build and run every test, then again under ASan+UBSan
#   make conformance  run the external suites in $(CONFORMANCE_DIR)
#   make fuzz         run each libFuzzer harness for $(FUZZ_SECONDS) s
#   make bench        run the benchmarks under bench/
#   make install      install citynode, citynode(1) and its bash completion under
#                     $(PREFIX) (default /usr/local; DESTDIR=... stages them)

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
# Tests run two per core: most of their time is spent waiting on servers,
# git and sockets, not computing (on 2 cores, -j4 takes the release suite
# from 476 s to 311 s and the sanitized one from 481 s to 353 s).
TEST_JOBS ?= $(shell echo $$(( $(JOBS) * 2 )))
CONFORMANCE_DIR ?= $(abspath $(CURDIR)/../shared/conformance)
FUZZ_SECONDS ?= 60
CMAKE_FLAGS ?=
PREFIX ?= /usr/local

.PHONY: all deps test-deps build build-asan run check check-release check-asan \
        conformance fuzz bench format clean install

all: build

deps:
	@./scripts/install-deps.sh

test-deps: deps
	@./scripts/install-deps.sh --test
	@# npm ci again whenever package-lock.json changed since the last one
	@cd tests && lock=$$(sha256sum package-lock.json | cut -d" " -f1) && \
	    if [ "$$(cat node_modules/.citynode-lock 2>/dev/null)" != "$$lock" ]; then \
	        npm ci --no-audit --no-fund --loglevel=error && echo "$$lock" >node_modules/.citynode-lock; \
	    fi

build: deps
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@cmake --build build -j $(JOBS)

build-asan: deps
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCN_SANITIZE=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build build-asan -j $(JOBS)

# bin/citynode, share/man/man1/citynode.1, share/bash-completion/completions/citynode
install: build
	@DESTDIR="$(DESTDIR)" cmake --install build --prefix "$(PREFIX)"

run: build
	@./scripts/demo.sh

check: test-deps build build-asan
	@$(MAKE) --no-print-directory check-release check-asan

check-release:
	@echo "== tests (release build)"
	@cd build && ctest --output-on-failure -j $(TEST_JOBS)

# The sanitizers run every test but the "variant" reruns of stories in the
# other metadata layout (CMakeLists.txt): their code runs sanitized in the
# default layout's stories, and CI time goes further elsewhere.
check-asan:
	@echo "== tests (ASan + UBSan build)"
	@cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    ctest --output-on-failure -j $(TEST_JOBS) -LE variant

conformance: test-deps build
	@CONFORMANCE_DIR="$(CONFORMANCE_DIR)" CITYNODE="$(CURDIR)/build/citynode" \
	    ./tests/conformance/run.sh

fuzz: deps
	@CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DCN_FUZZ=ON >/dev/null
	@cmake --build build-fuzz -j $(JOBS)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) ./tests/fuzz/run.sh build-fuzz

bench: build
	@./bench/run.sh

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-asan build-fuzz
