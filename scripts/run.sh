#!/usr/bin/env bash
# `make run`: the API on embedded defaults with demo data, and the storefront in front of it.
# Ctrl-C stops both. Without npm only the API starts.
set -euo pipefail
cd "$(dirname "$0")/.."

API_ADDR="${EMPORIUM_LISTEN:-127.0.0.1:8080}"
WEB_PORT="${STOREFRONT_PORT:-3000}"
export EMPORIUM_DATA_DIR="${EMPORIUM_DATA_DIR:-./data}" NEXT_TELEMETRY_DISABLED=1

cargo build --bin emporium
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

EMPORIUM_LISTEN="$API_ADDR" ./target/debug/emporium serve --demo &
pids+=($!)
for _ in $(seq 60); do curl -fs "http://$API_ADDR/readyz" >/dev/null 2>&1 && break; sleep 1; done

if command -v npm >/dev/null; then
  (cd frontend && { [ -d node_modules ] || PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci; } && npm run build >/dev/null)
  (cd frontend && EMPORIUM_API_URL="http://$API_ADDR" exec npx next start -H 127.0.0.1 -p "$WEB_PORT") &
  pids+=($!)
  echo
  echo "  Storefront: http://127.0.0.1:$WEB_PORT"
else
  echo "npm not found: starting the API only (install Node.js 20+ for the storefront)"
fi
echo "  API:        http://$API_ADDR/api/v1   (docs: http://$API_ADDR/api/docs)"
echo "  Sign in as customer@emporium.local / customer-password-1 (admin: admin@emporium.local / admin-password-1)"
echo
wait -n "${pids[@]}"
