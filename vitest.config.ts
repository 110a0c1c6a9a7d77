import { defineConfig } from 'vitest/config';

// Files that keep every core busy on their own: model training, gradients and parity against PyTorch, the
// architectures' forward passes, INT8 calibration, and the packaging build (which also rewrites dist/main). Two of
// them side by side would only share the cores, and stretch single tests towards their timeout.
const everyCore = [
  'test/ml/models/**/*.test.ts',
  'test/ml/train/**/*.test.ts',
  'test/ml/quantize/**/*.test.ts',
  'test/main/models/quantize*.test.ts',
  'test/main/training/**/*.test.ts',
  'test/packaging/**/*.test.ts',
];

// Node-side tests. End-to-end tests drive Debian's Chromium through playwright-core and live in test/e2e.
export default defineConfig({
  test: {
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 300_000,
    pool: 'forks',
    // Workers start from bundles built once per run (test/support/worker-bundles.ts), not through tsx in each thread.
    globalSetup: ['test/support/worker-bundles.ts'],
    projects: [
      // The rest wait much of their time on processes they start (the CLI, Chromium, Orthanc, PyTorch) or on loading
      // modules, one core's work: two files at once use the second core (measured on test/main/cli: 138 s → 110 s).
      { extends: true, test: { name: 'shared', include: ['test/**/*.test.ts'], exclude: everyCore, maxWorkers: 2, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'every-core', include: everyCore, maxWorkers: 1, sequence: { groupOrder: 1 } } },
    ],
  },
});
