#!/usr/bin/env bash
# The test suite (`npm test` runs typecheck and build first): units and integration (real
# SQLite, real HTTP, real PeerServer, real coturn), then the browser end-to-end tests in Debian's
# Chromium inside a network namespace so WebRTC stays on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
npx vitest run --project unit
scripts/in-netns.sh npx vitest run --project e2e
