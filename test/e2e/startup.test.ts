import { describe, expect, it } from 'vitest';
import { repoRoot, runSpoke } from '../support/spoke-cli.js';
import { loadedModules, tracingImports } from '../support/trace-imports.js';

describe('spoke startup', () => {
  it('prints its help without loading a warehouse driver, destination client, sandbox server, mail transport, dbt runner or config schemas', async () => {
    const result = await runSpoke(['--help'], { cwd: repoRoot, env: { NODE_OPTIONS: tracingImports() } });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('sync');
    const loaded = loadedModules(result.stderr);
    expect(loaded.some((line) => line.includes('/dist/cli/main.js'))).toBe(true);
    for (const heavy of [
      '@duckdb/',
      // DuckDB's API is required (not imported) by these, so the trace sees them instead.
      '/dist/warehouse/duckdb',
      '/node_modules/pg/',
      'jsforce',
      '@hubspot/',
      'fastify',
      'nodemailer',
      'execa',
      '/zod/',
    ]) {
      expect(loaded.filter((line) => line.includes(heavy))).toEqual([]);
    }
  });
});
