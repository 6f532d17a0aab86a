import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // Sized for a loaded 2-core machine (another suite running beside this one): the slowest
    // test (100,000 rows killed and resumed) takes two minutes alone and more than five beside
    // another suite. Hangs fail sooner on their own (e.g. the embedded PostgreSQL's deadline).
    testTimeout: 600_000,
    hookTimeout: 600_000,
    // dbt and DuckDB files are heavy; two cores on CI.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
