import { defineConfig } from 'vitest/config';

// Two projects: `unit` (units and integration against real SQLite, real HTTP, a real PeerServer,
// real coturn) and `e2e` (puppeteer in Debian's Chromium; run inside a network namespace by
// scripts/test.sh so WebRTC stays on loopback). `peer` never clears its timers: use forks.
export default defineConfig({
  test: {
    pool: 'forks',
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts', 'tests/integration/**/*.test.ts', 'tests/security/**/*.test.ts'],
          testTimeout: 20_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
