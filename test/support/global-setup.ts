import type { TestProject } from 'vitest/node';
import { startTestPostgres } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

/** One PostgreSQL for the whole run; tests read its URL with `inject('databaseUrl')`. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const postgres = await startTestPostgres();
  project.provide('databaseUrl', postgres.url);
  // Child processes (the CLI, dbt) find it here.
  process.env.SPOKE_TEST_DATABASE_URL = postgres.url;
  return () => postgres.stop();
}
