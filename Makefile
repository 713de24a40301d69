# A thin front to CMake. `make test` and `make run` work on a fresh Debian 12:
# they install what is missing first (cmake/install-deps.sh, apt-get as root).
BUILD ?= build
JOBS ?= 2
CMAKE_FLAGS ?=
ifeq ($(CI),true)
  CMAKE_FLAGS += -DORDERSTATE_WERROR=ON
endif
ARGS ?=

.PHONY: all deps build test run clean

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

clean:
	rm -rf $(BUILD)
