#!/usr/bin/env bash
# Runs a command in a fresh network namespace with only loopback up, so WebRTC between the test
# browsers, coturn and the server stays on loopback (Chromium leaves loopback out of ICE
# otherwise). Needs root (CI runs as root).
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then
  echo "in-netns: needs root to create a network namespace (unshare -n)" >&2
  exit 1
fi
exec unshare -n bash -c 'ip link set lo up && exec "$@"' in-netns "$@"
