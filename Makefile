# Emporium: the two commands of the README, and the pieces they are made of.
# Needs: a Rust toolchain (1.94+), a C compiler, curl, Python 3 with venv (the contract
# check installs schemathesis from PyPI); the storefront needs Node.js 20+ and
# npm; its browser tests need Debian's chromium at /usr/bin/chromium (.ci/run installs it).

CARGO ?= cargo
TARGET_DIR ?= $(or $(CARGO_TARGET_DIR),target)
BENCH_ARGS ?=

.PHONY: run test check rust-test contract-test bench-smoke frontend-test openapi bench bench-kernel

## Start the API (SQLite files in ./data, in-process bus, demo data) and the storefront.
run:
	./scripts/run.sh

## Every check CI runs: formatting, lints, Rust tests (PostgreSQL, Redis and RabbitMQ suites
## when EMPORIUM_TEST_DATABASE_URL / EMPORIUM_TEST_REDIS_URL / EMPORIUM_TEST_AMQP_URL are set),
## the API checked against its OpenAPI document (schemathesis), five seconds of the load
## driver, then the storefront's lint, typecheck, unit tests, generated-types check, build
## and browser suite.
test: check rust-test contract-test bench-smoke frontend-test

check:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

rust-test:
	$(CARGO) test --workspace

## schemathesis (installed from PyPI into target/contract-venv) against a fresh server:
## no server errors, answers that conform to the document, bad input refused.
contract-test:
	$(CARGO) build --bin emporium
	./scripts/contract-test.sh

## Five seconds of the load driver on a debug build: the journey works end to end and
## orders complete (no timing is asserted; figures belong to `make bench`).
bench-smoke:
	$(CARGO) build --bin emporium --bin emporium-load
	$(TARGET_DIR)/debug/emporium-load --duration 5 --warmup 1 --concurrency 4

## The load driver on a release build: 30 s at 16 customers on the embedded defaults, after a
## 5 s warm-up. More: make bench BENCH_ARGS="--concurrency 64 --postgres postgres://...", or
## BENCH_ARGS="--scenario search --catalog-size 10000" (search, listings: see docs/PERFORMANCE.md).
bench:
	$(CARGO) build --release --bin emporium --bin emporium-load
	$(TARGET_DIR)/release/emporium-load $(BENCH_ARGS)

## Criterion micro-benchmarks of the kernel (PostgreSQL variants need EMPORIUM_TEST_DATABASE_URL).
bench-kernel:
	$(CARGO) bench -p emporium-kernel --bench kernel

frontend-test:
	$(CARGO) build --bin emporium
	cd frontend && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
	cd frontend && npm run lint && npm run typecheck && npm test && npm run check:api
	cd frontend && NEXT_TELEMETRY_DISABLED=1 npm run build
	cd frontend && CI=true NEXT_TELEMETRY_DISABLED=1 npm run e2e

## Regenerate the OpenAPI document, the GraphQL schema and the storefront's types after an API change.
openapi:
	$(CARGO) run --quiet --bin emporium -- openapi > docs/openapi.json
	$(CARGO) run --quiet --bin emporium -- graphql-schema > docs/schema.graphql
	cd frontend && npm run gen:api
