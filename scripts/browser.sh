#!/usr/bin/env bash
# Makes sure a headless Chromium is there for the web app's browser test
# (e2e/browser/): installs Debian's chromium package when missing (as root).
# Playwright drives it through playwright-core, which downloads no browser.
# Idempotent; prints the browser's path.
set -euo pipefail

log() { printf 'browser: %s\n' "$*" >&2; }

find_chromium() { command -v chromium 2>/dev/null || command -v chromium-browser 2>/dev/null || true; }

path="$(find_chromium)"
if [ -z "$path" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    log "chromium is missing; install it (apt-get install chromium) or run as root"
    exit 1
  fi
  log "installing chromium from Debian's packages"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  path="$(find_chromium)"
fi
[ -n "$path" ] || { log "chromium is still missing after the install"; exit 1; }
echo "$path"
