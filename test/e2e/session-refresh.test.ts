import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultPlan, type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { dbt } from '../support/example-edits.js';
import { EXAMPLE_SCHEMA_DIR } from '../support/example-schemas.js';
import {
  expectGeneratedRecords,
  type GeneratedProject,
  generatedProject,
  SALESFORCE_PERSON_FIELDS,
} from '../support/generated-project.js';
import { runSpoke } from '../support/spoke-cli.js';

const ROWS = 600;
const TOKEN = '^POST /services/oauth2/token';

/**
 * Runs until one exits 0 (at most `runs`), and holds every run to the rule that matters: a run
 * that says it succeeded leaves every record in Salesforce with the model's values.
 */
async function untilSuccess(sandbox: RunningSandbox, dir: string, runs: number): Promise<number[]> {
  const exits: number[] = [];
  for (let i = 0; i < runs; i++) {
    const run = await runSpoke(['sync', '--json'], { cwd: dir });
    exits.push(run.exitCode);
    if (run.exitCode !== 0) continue;
    expectGeneratedRecords(
      ROWS,
      sandbox.store.records('salesforce', 'Contact'),
      'Wistia_User_Id__c',
      SALESFORCE_PERSON_FIELDS,
      1,
    );
    return exits;
  }
  return exits;
}

async function state(dir: string, sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(join(dir, 'generated.duckdb'), { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe.each([
  ['sObject Collections', 100_000],
  ['Bulk API 2.0', 100],
] as const)('a Salesforce session that expires while its refresh fails, through %s', (_path, bulkThreshold) => {
  let sandbox: RunningSandbox;
  let project: GeneratedProject;

  beforeAll(async () => {
    sandbox = await startSandbox({ schemaDir: EXAMPLE_SCHEMA_DIR, stateFile: null, hubspotRateLimit: false });
    project = await generatedProject({
      rows: ROWS,
      salesforceUrl: sandbox.salesforceUrl,
      hubspotUrl: sandbox.hubspotUrl,
      destinations: ['salesforce'],
      bulkThreshold,
    });
    expect(await dbt(project.dir, ['run'])).toBe(0);
  });

  afterAll(async () => {
    await sandbox?.close();
    await project?.cleanup();
  });

  it('is transient: the records are resent, never remembered as failed, and no run claims success before they arrived', async () => {
    const plan: FaultPlan = {
      seed: 3,
      // Sessions expire every few calls, including the Bulk upload; the token endpoint answers
      // 503 to the refreshes after the first login, then recovers.
      expireSessionEvery: 3,
      errors: [
        { status: 401, rate: 1, paths: '^PUT /services/data/v[0-9.]+/jobs/ingest/[^/]+/batches', max: 1 },
        { status: 503, rate: 1, paths: TOKEN, skip: 1, max: 4 },
      ],
    };
    sandbox.faults.replace(plan);
    const exits = await untilSuccess(sandbox, project.dir, 3);
    expect(exits.at(-1)).toBe(0);
    expect(sandbox.faults.counters('salesforce').injected.sessionExpired).toBeGreaterThan(0);
    // The refresh did fail under some records, which were then resent rather than given up.
    const refused = await state(
      project.dir,
      `SELECT count(*) AS n FROM spoke.record_log WHERE error_message LIKE 'Unable to refresh session%' AND transient`,
    );
    expect(Number(refused[0]?.n)).toBeGreaterThan(0);
    expect(await state(project.dir, 'SELECT * FROM spoke.failures')).toEqual([]);
  });
});
