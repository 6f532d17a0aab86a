import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { dbt } from '../support/example-edits.js';
import { generatedPerson, generatedProject } from '../support/generated-project.js';
import { repoRoot, runSpoke } from '../support/spoke-cli.js';

const ROWS = 100_000;
const FAULT_ROWS = 20_000;

/** Checks that a CRM object holds exactly the generated model's rows: none missing, duplicated or stale. */
function expectExactly(
  rows: number,
  records: { fields: Record<string, unknown> }[],
  keyField: string,
  fields: Record<string, string>,
  version: number,
) {
  const byKey = new Map<string, Record<string, unknown>>();
  for (const record of records) {
    const key = String(record.fields[keyField]);
    expect(byKey.has(key), `duplicate ${key}`).toBe(false);
    byKey.set(key, record.fields);
  }
  expect(byKey.size).toBe(rows);
  for (let i = 1; i <= rows; i += 997) {
    const expected = generatedPerson(i, version);
    const actual = byKey.get(expected.person_id)!;
    for (const [column, field] of Object.entries(fields)) {
      expect(actual[field], `${expected.person_id} ${field}`).toBe(expected[column as keyof typeof expected]);
    }
  }
}

const SALESFORCE_FIELDS = {
  email: 'Email',
  first_name: 'FirstName',
  last_name: 'LastName',
  job_title: 'Title',
};
const HUBSPOT_FIELDS = {
  email: 'email',
  first_name: 'firstname',
  last_name: 'lastname',
  job_title: 'jobtitle',
};

/** A sandbox in this process and a generated project synced to it (HubSpot in create mode). */
function useGeneratedProject(rows: number) {
  const context = {} as { sandbox: RunningSandbox; project: Awaited<ReturnType<typeof generatedProject>> };
  beforeAll(async () => {
    context.sandbox = await startSandbox({ stateFile: null, hubspotRateLimit: false });
    context.project = await generatedProject({
      rows,
      salesforceUrl: context.sandbox.salesforceUrl,
      hubspotUrl: context.sandbox.hubspotUrl,
      hubspotMode: 'create',
    });
    expect(await dbt(context.project.dir, ['run'])).toBe(0);
  });
  afterAll(async () => {
    await context.sandbox?.close();
    await context.project?.cleanup();
  });
  return context;
}

describe(`a ${ROWS.toLocaleString('en')}-row sync`, () => {
  const generated = useGeneratedProject(ROWS);

  it('killed at random points and rerun ends with exactly the model’s rows, and a rerun sends nothing', async () => {
    const spoke = join(repoRoot, 'dist', 'cli', 'main.js');
    let seed = 7;
    const random = () => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    };
    for (let kill = 0; kill < 3; kill++) {
      const child = execa(process.execPath, [spoke, 'sync', '--json'], {
        cwd: generated.project.dir,
        reject: false,
      });
      await sleep(1_500 + random() * 3_000);
      child.kill('SIGKILL');
      await child;
    }
    const final = await runSpoke(['sync', '--json'], { cwd: generated.project.dir });
    expect(final.exitCode, final.stdout + final.stderr).toBe(0);

    expectExactly(
      ROWS,
      generated.sandbox.store.records('salesforce', 'Contact'),
      'Wistia_User_Id__c',
      SALESFORCE_FIELDS,
      1,
    );
    expectExactly(
      ROWS,
      generated.sandbox.store.records('hubspot', 'contacts'),
      'wistia_user_id',
      HUBSPOT_FIELDS,
      1,
    );

    const rerun = JSON.parse((await runSpoke(['sync', '--json'], { cwd: generated.project.dir })).stdout) as {
      syncs: { attempted: number; unchanged: number }[];
    };
    for (const sync of rerun.syncs) expect(sync).toMatchObject({ attempted: 0, unchanged: ROWS });
  });
});

describe(`a ${FAULT_ROWS.toLocaleString('en')}-row sync under injected faults`, () => {
  const generated = useGeneratedProject(FAULT_ROWS);

  it('retries transient faults on every kind of call within the run, losing and duplicating nothing', async () => {
    // Every row exists already (version 1); version 2 changes every row, so each one is sent again.
    expect(await runSpoke(['sync'], { cwd: generated.project.dir }).then((r) => r.exitCode)).toBe(0);
    expect(await dbt(generated.project.dir, ['run', '--vars', '{version: 2}'])).toBe(0);
    const faults = {
      seed: 42,
      errors: [{ status: 503, rate: 0.05 }],
      connectionResets: { rate: 0.02 },
      rateLimit: { every: 100, durationMs: 300 },
      bulkUploadFailures: 1,
      expireSessionEvery: 40,
    };
    await fetch(`${generated.sandbox.salesforceUrl}/__sandbox/faults`, {
      method: 'PUT',
      body: JSON.stringify(faults),
      headers: { 'content-type': 'application/json' },
    });
    await fetch(`${generated.sandbox.hubspotUrl}/__sandbox/faults`, {
      method: 'PUT',
      body: JSON.stringify(faults),
      headers: { 'content-type': 'application/json' },
    });

    // Transient failures are retried within the run: one run is enough.
    const run = await runSpoke(['sync', '--json'], { cwd: generated.project.dir });
    const exitCode = run.exitCode;
    let injected = 0;
    for (const url of [generated.sandbox.salesforceUrl, generated.sandbox.hubspotUrl]) {
      const stats = (await (await fetch(`${url}/__sandbox/stats`)).json()) as {
        faults: { injected: Record<string, number> };
      };
      injected += Object.values(stats.faults.injected).reduce((a, b) => a + b, 0);
    }

    expect(exitCode, run.stdout.slice(0, 3000)).toBe(0);
    expect(injected).toBeGreaterThan(20);
    expectExactly(
      FAULT_ROWS,
      generated.sandbox.store.records('salesforce', 'Contact'),
      'Wistia_User_Id__c',
      SALESFORCE_FIELDS,
      2,
    );
    // HubSpot's sync is in create mode: version 2 rows changed but existing records are never touched.
    expectExactly(
      FAULT_ROWS,
      generated.sandbox.store.records('hubspot', 'contacts'),
      'wistia_user_id',
      HUBSPOT_FIELDS,
      1,
    );
  });
});
