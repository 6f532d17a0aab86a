import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startTestPostgres } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    /** A directory that lives as long as one `vitest run`, shared by every worker. */
    runDir: string;
  }
}

/**
 * One PostgreSQL for the whole run; tests read its URL with `inject('databaseUrl')`. One
 * directory for the whole run (`inject('runDir')`), where workers share work done once.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const postgres = await startTestPostgres();
  project.provide('databaseUrl', postgres.url);
  const runDir = await mkdtemp(join(tmpdir(), 'spoke-test-run-'));
  project.provide('runDir', runDir);
  // Child processes (the CLI, dbt) find it here.
  process.env.SPOKE_TEST_DATABASE_URL = postgres.url;
  return async () => {
    await rm(runDir, { recursive: true, force: true });
    await postgres.stop();
  };
}
