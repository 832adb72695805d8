import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Integration tests share one Docker Engine and the Go build cache; two workers keep a 2-core machine busy
    // without starving the Go compiler.
    maxWorkers: 2,
    globalSetup: ['test/global-setup.ts'],
    // Removes the temp directories test files made outside their tests (test/helpers/tmp.ts).
    setupFiles: ['test/helpers/tmp-setup.ts'],
    // The JSON report feeds the one summary line scripts/test-all.sh prints for CI.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-artifacts/vitest-report.json' },
  },
});
