#!/usr/bin/env bash
# Checks the served API against its own OpenAPI document with schemathesis (from PyPI, in a
# virtualenv under target/): no server errors, every answer conforms to the document
# (status codes, content types, headers, bodies), invalid input is refused, and the
# stateful sequences it derives from the document hold. Runs once as the demo admin and
# once as the demo customer, on a fresh embedded server on loopback. Any finding fails.
#
# Not checked: "positive data acceptance" (that every request the schema allows is
# accepted). A schema cannot say that a card number must pass Luhn, that a payment method
# must be the caller's, or that a country must be in a shipping zone; those are refused
# with 422 by design.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
binary="$target/debug/emporium"
venv="$target/contract-venv"
version=4.32.5
port="${CONTRACT_PORT:-18380}"
base="http://127.0.0.1:$port"

[[ -x "$binary" ]] || { echo "contract: build the server first (cargo build --bin emporium)" >&2; exit 1; }
if [[ ! -x "$venv/bin/schemathesis" ]] || ! "$venv/bin/schemathesis" --version | grep -q "$version"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version"
fi

data=$(mktemp -d)
# The fuzzer sends thousands of requests from one address: no request budgets here.
EMPORIUM_DATA_DIR="$data" EMPORIUM_LISTEN="127.0.0.1:$port" EMPORIUM_RATE_LIMIT=0 EMPORIUM_AUTH_RATE_LIMIT=0 \
  RUST_LOG=warn "$binary" serve --demo >"$data/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 120); do
  curl -fsS "$base/readyz" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fsS "$base/readyz" >/dev/null || { cat "$data/server.log" >&2; exit 1; }

token() {
  curl -fsS "$base/api/v1/auth/login" -H 'content-type: application/json' -d "{\"email\":\"$1\",\"password\":\"$2\"}" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}

status=0
for who in "admin@emporium.local admin-password-1" "customer@emporium.local customer-password-1"; do
  set -- $who
  echo "contract: schemathesis as $1"
  NO_COLOR=1 "$venv/bin/schemathesis" run "$base/api/openapi.json" \
    --header "Authorization: Bearer $(token "$1" "$2")" \
    --checks all --exclude-checks positive_data_acceptance \
    --max-examples 50 --workers 1 --seed 1 --suppress-health-check all || status=1
done
if grep -q 'panicked' "$data/server.log"; then
  echo "contract: the server panicked during the run:" >&2
  grep -A3 'panicked' "$data/server.log" >&2
  status=1
fi
exit $status
