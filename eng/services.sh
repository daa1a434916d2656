#!/usr/bin/env bash
# Test services of the integration tests.
#   eng/services.sh install   installs Azurite (pinned in eng/tools/package.json + package-lock.json)
#                             into eng/tools/node_modules; fast and idempotent when already installed.
#   eng/services.sh azurite-path   prints the azurite-blob executable the fixtures start.
# The test fixtures start Azurite and the Emulator themselves (ephemeral ports, temp folders).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$root/eng/tools"
bin="$tools/node_modules/.bin/azurite-blob"
want="$(sed -n 's/.*"azurite": *"\([^"]*\)".*/\1/p' "$tools/package.json")"

installed_version() {
  local pkg="$tools/node_modules/azurite/package.json"
  [ -f "$pkg" ] && sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$pkg" | head -1
}

case "${1:-install}" in
  install)
    if [ -x "$bin" ] && [ "$(installed_version)" = "$want" ]; then
      exit 0
    fi
    command -v npm >/dev/null || { echo "npm is required (node 20+) to install Azurite" >&2; exit 1; }
    if [ -f "$tools/package-lock.json" ]; then
      npm ci --prefix "$tools" --no-audit --no-fund --loglevel=error
    else
      npm install --prefix "$tools" --no-audit --no-fund --loglevel=error
    fi
    [ "$(installed_version)" = "$want" ] || { echo "Azurite $want was not installed" >&2; exit 1; }
    ;;
  azurite-path)
    echo "$bin"
    ;;
  *)
    echo "usage: eng/services.sh install|azurite-path" >&2
    exit 2
    ;;
esac
