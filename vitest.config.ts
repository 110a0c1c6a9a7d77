import { defineConfig } from 'vitest/config';

// Node-side tests. End-to-end tests drive Debian's Chromium through playwright-core and live in test/e2e.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 300_000,
    pool: 'forks',
    // Workers start from bundles built once per run (test/support/worker-bundles.ts), not through tsx in each thread.
    globalSetup: ['test/support/worker-bundles.ts'],
  },
});
