#!/usr/bin/env bash
# Test services of the integration tests.
#   eng/services.sh install   installs Azurite (pinned in eng/tools/package.json + package-lock.json)
#                             into eng/tools/node_modules; fast and idempotent when already installed.
#                             Also installs Debian's Chromium (apt-get, when missing and run as root) for the
#                             studio's browser tests (Playwright drives it through its ExecutablePath).
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

install_chromium() {
  command -v chromium >/dev/null || command -v chromium-browser >/dev/null || [ -n "${STUDIO_CHROMIUM:-}" ] && return 0
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >/dev/null 2>&1 \
      || echo "warning: apt-get install chromium failed; the studio's browser tests will fail" >&2
  else
    echo "warning: no chromium (install Debian's 'chromium' package); the studio's browser tests will fail" >&2
  fi
}

case "${1:-install}" in
  install)
    install_chromium
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
