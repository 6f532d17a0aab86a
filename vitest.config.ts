import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // Sized for a loaded 2-core machine (another suite running beside this one): the slowest
    // tests take about two minutes alone. Hangs fail faster on their own (e.g. the embedded
    // PostgreSQL's start deadline).
    testTimeout: 300_000,
    hookTimeout: 300_000,
    // dbt and DuckDB files are heavy; two cores on CI.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
