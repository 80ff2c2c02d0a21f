# Emporium: the two commands of the README, and the pieces they are made of.
# Needs: a Rust toolchain (1.94+) and a C compiler. The storefront needs Node.js 20+ and npm;
# its browser tests need Debian's chromium (.ci/run installs it).

CARGO ?= cargo
DATA_DIR ?= ./data

.PHONY: run test check rust-test build

## Start the platform on embedded defaults (SQLite files in ./data, in-process bus) with demo data.
run:
	$(CARGO) build --bin emporium
	EMPORIUM_DATA_DIR=$(DATA_DIR) ./target/debug/emporium serve --demo

## Every check CI runs: formatting, lints, Rust tests (PostgreSQL suites when
## EMPORIUM_TEST_DATABASE_URL is set).
test: check rust-test

check:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

rust-test:
	$(CARGO) test --workspace

build:
	$(CARGO) build --release --bin emporium
