#!/usr/bin/env bash
# The test suite (`npm test` runs typecheck and build first): units and integration (real
# SQLite, real HTTP, real PeerServer, real coturn), then the browser end-to-end tests in Debian's
# Chromium inside a network namespace so WebRTC stays on loopback. Ends with one summary line.
set -uo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

npx vitest run --project unit --reporter=default --reporter=json --outputFile.json="$out/unit.json"
unit=$?
scripts/in-netns.sh npx vitest run --project e2e --reporter=default --reporter=json --outputFile.json="$out/e2e.json"
e2e=$?

node -e '
  const fs = require("fs");
  let passed = 0, failed = 0;
  for (const f of process.argv.slice(1)) {
    if (!fs.existsSync(f)) { failed++; continue; }
    const r = JSON.parse(fs.readFileSync(f, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests;
  }
  console.log(`tests: ${passed} passed, ${failed} failed`);
' "$out/unit.json" "$out/e2e.json"
[ "$unit" -eq 0 ] && [ "$e2e" -eq 0 ]
