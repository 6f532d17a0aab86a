import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // Sized for a loaded 2-core machine (another suite running beside this one): whole syncs
    // killed, faulted and resumed take a minute alone and several beside another suite. Hangs
    // fail sooner on their own (the embedded PostgreSQL's deadline, a run's --timeout).
    testTimeout: 600_000,
    hookTimeout: 600_000,
    // dbt and DuckDB files are heavy; two cores on CI.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
