#!/usr/bin/env bash
# Runs a command in a fresh network namespace with only loopback up, so WebRTC between the test
# browsers, coturn and the server stays on loopback (Chromium leaves loopback out of ICE
# otherwise). As root: `unshare -n`; as another user: a user namespace too (`unshare -rn`),
# which needs unprivileged user namespaces (the default on Debian 11+).
set -euo pipefail
if [ "$(id -u)" -eq 0 ]; then
  flags=(-n)
else
  flags=(-r -n)
fi
if ! unshare "${flags[@]}" true 2>/dev/null; then
  echo "in-netns: cannot create a network namespace (unshare ${flags[*]}); run as root or enable user namespaces" >&2
  exit 1
fi
exec unshare "${flags[@]}" bash -c 'ip link set lo up && exec "$@"' in-netns "$@"
