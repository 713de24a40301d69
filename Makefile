# A thin front to CMake. Every target installs what is missing first
# (cmake/install-deps.sh; apt-get as root), so a fresh Debian 12 needs nothing else.
SHELL := /bin/bash
BUILD ?= build
JOBS ?= 2
CMAKE_FLAGS ?=
ifeq ($(CI),true)
  CMAKE_FLAGS += -DORDERSTATE_WERROR=ON
endif
ARGS ?=
FUZZ_SECONDS ?= 60

.PHONY: all deps build test run sanitize fuzz bench soak clean

all: build

deps:
	@bash cmake/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

run: build
	$(BUILD)/bin/orderstate-server --db ./orderstate.db $(ARGS)

# The whole suite under ASan+UBSan, then under TSan, each in its own folder.
sanitize: deps
	@bash cmake/install-deps.sh sanitize
	cmake -S . -B build-asan $(CMAKE_FLAGS) -DCMAKE_BUILD_TYPE=Debug -DORDERSTATE_SANITIZE=address,undefined
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ctest --output-on-failure -j $(JOBS) -E "bench|package_consumer"
	cmake -S . -B build-tsan $(CMAKE_FLAGS) -DCMAKE_BUILD_TYPE=Debug -DORDERSTATE_SANITIZE=thread
	cmake --build build-tsan -j $(JOBS)
	cd build-tsan && TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions=$(CURDIR)/tests/system/tsan.supp \
	  ctest --output-on-failure -j $(JOBS) -E "bench|package_consumer"

# Each libFuzzer target for FUZZ_SECONDS, from the seed corpus in tests/fuzz/corpus.
fuzz: deps
	@bash cmake/install-deps.sh fuzz
	cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DORDERSTATE_FUZZ=ON -DORDERSTATE_BUILD_TESTS=OFF -DORDERSTATE_BUILD_EXAMPLES=OFF \
	  -DORDERSTATE_WITH_POSTGRES=OFF
	cmake --build build-fuzz -j $(JOBS) --target decimal_fuzz ids_fuzz request_fuzz framer_fuzz
	@for t in decimal ids request framer; do \
	  mkdir -p build-fuzz/corpus/$$t && cp -n tests/fuzz/corpus/$$t/* build-fuzz/corpus/$$t/ ; \
	  echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
	  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:suppressions=$(CURDIR)/tests/fuzz/ubsan.supp \
	  build-fuzz/bin/$${t}_fuzz -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    -artifact_prefix=build-fuzz/ build-fuzz/corpus/$$t 2>&1 | grep -E "stat::number_of_executed_units|Done|ERROR|SUMMARY" ; \
	  test $${PIPESTATUS[0]} -eq 0 || exit 1; \
	done

# Benchmarks need an optimized build of their own.
bench: deps
	@bash cmake/install-deps.sh bench
	cmake -S . -B build-bench $(CMAKE_FLAGS) -DCMAKE_BUILD_TYPE=Release -DORDERSTATE_WITH_POSTGRES=ON
	cmake --build build-bench -j $(JOBS) --target core_bench orderstate-bench-seed bare_server orderstate-server pg_bench edge_bench stream_bench
	bash tests/bench/run.sh build-bench $(BUILD)/bench
	bash tests/bench/stream_run.sh build-bench $(BUILD)/bench
	bash tests/bench/pg_run.sh build-bench $(BUILD)/bench

# Mixed traffic for SOAK_SECONDS (default 300) against the real binary; not in CI.
soak: build
	@bash cmake/install-deps.sh bench
	bash tests/system/soak.sh $(BUILD)

clean:
	rm -rf $(BUILD) build-asan build-tsan build-fuzz build-bench
