#!/usr/bin/env bash
# Fetches the browser files GraphiQL runs on (its UMD bundle and stylesheet, React 18's UMD
# builds, their licences) into crates/app/assets/graphiql/, from the npm registry, at exactly
# the versions below, so /graphiql works offline. The files are checked against SHA256SUMS:
# a re-fetch gives the same bytes. To move to other versions, change them here and in that
# folder's README.md, run this script with --update (it rewrites SHA256SUMS), and look at
# /graphiql in a browser.
# Needs npm (any version that has `npm pack`), tar and sha256sum.
set -euo pipefail
cd "$(dirname "$0")/.."

GRAPHIQL_VERSION=3.9.0 # the last graphiql that ships a UMD bundle (4.x and later have none)
REACT_VERSION=18.3.1   # for react and react-dom: React 19 ships no UMD builds

dest=crates/app/assets/graphiql
update=false
[ "${1:-}" = "--update" ] && update=true

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# fetch PACKAGE VERSION SOURCE:TARGET...: copies files out of the package's published tarball.
fetch() {
  local package=$1 version=$2
  shift 2
  (cd "$work" && npm pack --silent "$package@$version" >/dev/null)
  mkdir -p "$work/$package"
  tar -xzf "$work/$package-$version.tgz" -C "$work/$package"
  for pair in "$@"; do
    cp "$work/$package/package/${pair%%:*}" "$dest/${pair#*:}"
  done
}

fetch graphiql "$GRAPHIQL_VERSION" graphiql.min.js:graphiql.min.js graphiql.min.css:graphiql.min.css LICENSE:LICENSE-graphiql
fetch react "$REACT_VERSION" umd/react.production.min.js:react.production.min.js LICENSE:LICENSE-react
fetch react-dom "$REACT_VERSION" umd/react-dom.production.min.js:react-dom.production.min.js

cd "$dest"
vendored=(graphiql.min.js graphiql.min.css LICENSE-graphiql react.production.min.js react-dom.production.min.js LICENSE-react)
if $update; then
  sha256sum "${vendored[@]}" >SHA256SUMS
  echo "SHA256SUMS rewritten for graphiql $GRAPHIQL_VERSION, react $REACT_VERSION"
else
  sha256sum --check --quiet SHA256SUMS
  echo "graphiql $GRAPHIQL_VERSION and react $REACT_VERSION vendored; every file matches SHA256SUMS"
fi
