# The two set-up commands of the README, and a few conveniences.
# `make run`  installs what is missing, builds release, starts kelola server.
# `make test` installs what is missing, builds the asan preset, runs every test.
.PHONY: run test build deps format format-check fuzz bench clean

JOBS ?= $(shell nproc)
CTEST_ARGS ?=

deps:
	@scripts/install-deps

build: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

run: build
	@./build/release/kelola server --listen 127.0.0.1:7480 --data-dir ./.kelola

test: deps
	@scripts/run-tests $(CTEST_ARGS)

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

format-check:
	@scripts/check-format

fuzz: deps
	@scripts/run-fuzzers

bench: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)
	@bench/run

clean:
	rm -rf build
