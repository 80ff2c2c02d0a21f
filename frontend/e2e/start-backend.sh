#!/usr/bin/env bash
# Starts the real backend for the e2e suite on loopback port 18080 with the demo
# catalog and a brand-new data folder, so every run begins from the same state.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="${EMPORIUM_BIN:-$here/../../target/debug/emporium}"
if [[ ! -x "$bin" ]]; then
  echo "e2e: backend binary not found at $bin (build it with cargo build first)" >&2
  exit 1
fi
rm -rf "$here/.data"
mkdir -p "$here/.data"
data="$(mktemp -d "$here/.data/run.XXXXXX")"
export EMPORIUM_LISTEN=127.0.0.1:18080
export EMPORIUM_DATA_DIR="$data"
# A card gateway that takes its time, as real ones do: order pages open while the saga runs.
export EMPORIUM_GATEWAY_LATENCY_MS="${EMPORIUM_GATEWAY_LATENCY_MS:-1000}"
# The carrier's webhook secret; the tests sign the carrier's updates with the same one
# (CARRIER_SECRET in e2e/support.ts, which reads this variable when it is set).
export EMPORIUM_CARRIER_WEBHOOK_SECRETS="${EMPORIUM_CARRIER_WEBHOOK_SECRETS:-e2e-carrier-webhook-secret-0123456789abcdef}"
exec "$bin" serve --demo
