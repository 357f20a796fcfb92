import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // unit tests are fast; simulation tests compile designs and need time
    testTimeout: 20_000,
    hookTimeout: 300_000,
    // two cores: two workers, so one long Verilator build does not stall the rest
    maxWorkers: 2,
    reporters: ['default', 'json'],
    // read by .ci/run for its closing "N passed, N failed" line
    outputFile: { json: '.vitest/results.json' },
  },
});
