import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // dbt and DuckDB files are heavy; two cores on CI.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
