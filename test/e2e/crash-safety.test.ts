import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultPlan, type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { dbt } from '../support/example-edits.js';
import { EXAMPLE_SCHEMA_DIR } from '../support/example-schemas.js';
import {
  expectGeneratedRecords,
  type GeneratedProject,
  type GeneratedProjectOptions,
  generatedProject,
  HUBSPOT_PERSON_FIELDS,
  SALESFORCE_PERSON_FIELDS,
} from '../support/generated-project.js';
import { repoRoot, runSpoke } from '../support/spoke-cli.js';

/** `npm run test:scale` raises this to 100,000; `npm test` keeps a size a busy machine finishes. */
const ROWS = Number(process.env.SPOKE_SCALE_ROWS ?? 10_000);
const FAULT_ROWS = 5_000;
const REVERT_ROWS = 150;

/** A sandbox in this process and a generated project synced to it. */
function useGeneratedProject(rows: number, options: Partial<GeneratedProjectOptions> = {}) {
  const context = {} as { sandbox: RunningSandbox; project: GeneratedProject };
  beforeAll(async () => {
    context.sandbox = await startSandbox({
      schemaDir: EXAMPLE_SCHEMA_DIR,
      stateFile: null,
      hubspotRateLimit: false,
    });
    context.project = await generatedProject({
      rows,
      salesforceUrl: context.sandbox.salesforceUrl,
      hubspotUrl: context.sandbox.hubspotUrl,
      ...options,
    });
    expect(await dbt(context.project.dir, ['run'])).toBe(0);
  });
  afterAll(async () => {
    await context.sandbox?.close();
    await context.project?.cleanup();
  });
  return context;
}

const spokeBin = join(repoRoot, 'dist', 'cli', 'main.js');

function expectCrm(sandbox: RunningSandbox, rows: number, version: number, step = 1) {
  expectGeneratedRecords(
    rows,
    sandbox.store.records('salesforce', 'Contact'),
    'Wistia_User_Id__c',
    SALESFORCE_PERSON_FIELDS,
    version,
    step,
  );
  expectGeneratedRecords(
    rows,
    sandbox.store.records('hubspot', 'contacts'),
    'wistia_user_id',
    HUBSPOT_PERSON_FIELDS,
    version,
    step,
  );
}

describe(`a ${ROWS.toLocaleString('en')}-row sync`, () => {
  const generated = useGeneratedProject(ROWS, { hubspotMode: 'create' });

  it('killed at random points and rerun ends with exactly the model’s rows, and a rerun sends nothing', async () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    };
    for (let kill = 0; kill < 3; kill++) {
      const child = execa(process.execPath, [spokeBin, 'sync', '--json'], {
        cwd: generated.project.dir,
        reject: false,
      });
      await sleep(1_000 + random() * 2_500);
      child.kill('SIGKILL');
      await child;
    }
    const final = await runSpoke(['sync', '--json'], { cwd: generated.project.dir });
    expect(final.exitCode, final.stdout + final.stderr).toBe(0);
    expectCrm(generated.sandbox, ROWS, 1, 997);

    const rerun = JSON.parse((await runSpoke(['sync', '--json'], { cwd: generated.project.dir })).stdout) as {
      syncs: { attempted: number; unchanged: number }[];
    };
    for (const sync of rerun.syncs) expect(sync).toMatchObject({ attempted: 0, unchanged: ROWS });
  });
});

describe(`a ${FAULT_ROWS.toLocaleString('en')}-row sync under injected faults`, () => {
  const generated = useGeneratedProject(FAULT_ROWS, { hubspotMode: 'create', bulkThreshold: 1_000 });

  it('retries transient faults on every kind of call within the run, losing and duplicating nothing', async () => {
    // Every row exists already (version 1); version 2 changes every row, so each one is sent again.
    expect(await runSpoke(['sync'], { cwd: generated.project.dir }).then((r) => r.exitCode)).toBe(0);
    expect(await dbt(generated.project.dir, ['run', '--vars', '{version: 2}'])).toBe(0);
    generated.sandbox.faults.replace({
      seed: 42,
      errors: [{ status: 503, rate: 0.1 }],
      connectionResets: { rate: 0.05 },
      rateLimit: { every: 25, durationMs: 300 },
      bulkUploadFailures: 1,
      expireSessionEvery: 7,
    });

    // Transient failures are retried within the run: one run is enough.
    const run = await runSpoke(['sync', '--json'], { cwd: generated.project.dir });
    const injected = (['salesforce', 'hubspot'] as const)
      .map((service) => generated.sandbox.faults.counters(service).injected)
      .flatMap((counts) => Object.values(counts))
      .reduce((a, b) => a + b, 0);
    generated.sandbox.faults.replace({});

    expect(run.exitCode, run.stdout.slice(0, 3000)).toBe(0);
    expect(injected).toBeGreaterThan(10);
    expectGeneratedRecords(
      FAULT_ROWS,
      generated.sandbox.store.records('salesforce', 'Contact'),
      'Wistia_User_Id__c',
      SALESFORCE_PERSON_FIELDS,
      2,
    );
    // HubSpot's sync is in create mode: version 2 rows changed but existing records are never touched.
    expectGeneratedRecords(
      FAULT_ROWS,
      generated.sandbox.store.records('hubspot', 'contacts'),
      'wistia_user_id',
      HUBSPOT_PERSON_FIELDS,
      1,
    );
  });
});

/**
 * The CRM applies version 2, its answers never reach spoke (lost, or spoke is killed first),
 * then the model goes back to version 1: the records must end at version 1, and no run may
 * claim success while the CRM still holds version 2.
 */
async function revertAfterLostAnswers(
  generated: { sandbox: RunningSandbox; project: GeneratedProject },
  lose: (sandbox: RunningSandbox, rows: number) => Promise<void>,
) {
  const { sandbox, project } = generated;
  // Version 1 confirmed everywhere (a no-op when an earlier test left it so).
  const first = await runSpoke(['sync', '--json'], { cwd: project.dir });
  expect(first.exitCode, first.stdout.slice(0, 2000)).toBe(0);
  expect(await dbt(project.dir, ['run', '--vars', '{version: 2}'])).toBe(0);

  await lose(sandbox, REVERT_ROWS);
  sandbox.faults.replace({});
  // The destinations did the work even though spoke never heard of it.
  expectCrm(sandbox, REVERT_ROWS, 2);

  expect(await dbt(project.dir, ['run', '--vars', '{version: 1}'])).toBe(0);
  const after = await runSpoke(['sync', '--json'], { cwd: project.dir });
  expect(after.exitCode, after.stdout.slice(0, 2000)).toBe(0);
  const syncs = (JSON.parse(after.stdout) as { syncs: { attempted: number }[] }).syncs;
  for (const sync of syncs) expect(sync.attempted).toBe(REVERT_ROWS);
  expectCrm(sandbox, REVERT_ROWS, 1);
  // And once confirmed, nothing is resent.
  const again = JSON.parse((await runSpoke(['sync', '--json'], { cwd: project.dir })).stdout) as {
    syncs: { attempted: number }[];
  };
  for (const sync of again.syncs) expect(sync.attempted).toBe(0);
}

const WRITES = {
  collections: '^PATCH /services/data/v[0-9.]+/composite/sobjects/Contact/',
  bulkResults: '^GET /services/data/v[0-9.]+/jobs/ingest/[^/]+/successfulResults',
  hubspot: '^POST /crm/v3/objects/contacts/batch/upsert',
};

/** A run under `plan` must not claim success: the answers it needed never came. */
async function runWithLostAnswers(
  sandbox: RunningSandbox,
  dir: string,
  plan: FaultPlan,
  args: string[] = [],
) {
  sandbox.faults.replace(plan);
  const run = await runSpoke(['sync', '--json', ...args], { cwd: dir });
  expect(run.exitCode, run.stdout.slice(0, 2000)).not.toBe(0);
  expect(sandbox.faults.counters('salesforce').injected.lostAnswer).toBeGreaterThan(0);
}

describe('answers lost after the CRM applied a write, then the model reverted', () => {
  describe('through sObject Collections and HubSpot batch upsert', () => {
    const generated = useGeneratedProject(REVERT_ROWS, { bulkThreshold: 100_000 });

    it('resends the uncertain records, so both CRMs end with the model’s values', async () => {
      await revertAfterLostAnswers(generated, (sandbox) =>
        runWithLostAnswers(sandbox, generated.project.dir, {
          lostAnswers: [{ rate: 1, paths: `${WRITES.collections}|${WRITES.hubspot}` }],
        }),
      );
    });

    it('resends what was in flight when spoke was killed while the CRM answered', async () => {
      await revertAfterLostAnswers(generated, async (sandbox) => {
        // Every answer is held back long enough for the kill to land after the writes.
        sandbox.faults.replace({
          lostAnswers: [
            { rate: 1, paths: `${WRITES.collections}|${WRITES.hubspot}`, after: 'hang', hangMs: 15_000 },
          ],
        });
        const child = execa(process.execPath, [spokeBin, 'sync', '--json'], {
          cwd: generated.project.dir,
          reject: false,
        });
        const applied = () => {
          const stored = (service: 'salesforce' | 'hubspot', object: string) =>
            sandbox.store.records(service, object).filter((r) => Object.values(r.fields).includes('Title 2'));
          return (
            stored('salesforce', 'Contact').length === REVERT_ROWS &&
            stored('hubspot', 'contacts').length === REVERT_ROWS
          );
        };
        for (let waited = 0; !applied() && waited < 60_000; waited += 100) await sleep(100);
        child.kill('SIGKILL');
        await child;
      });
    });
  });

  describe('through Bulk API 2.0', () => {
    const generated = useGeneratedProject(REVERT_ROWS, { bulkThreshold: 100, destinations: ['salesforce'] });
    it('resends the uncertain records of a job whose outcome never arrived', async () => {
      const { sandbox, project } = generated;
      const check = (rows: number, version: number) =>
        expectGeneratedRecords(
          rows,
          sandbox.store.records('salesforce', 'Contact'),
          'Wistia_User_Id__c',
          SALESFORCE_PERSON_FIELDS,
          version,
        );
      expect((await runSpoke(['sync'], { cwd: project.dir })).exitCode).toBe(0);
      expect(await dbt(project.dir, ['run', '--vars', '{version: 2}'])).toBe(0);
      // The job runs; its results never come back before the run's time limit.
      await runWithLostAnswers(
        sandbox,
        project.dir,
        { lostAnswers: [{ rate: 1, paths: WRITES.bulkResults, after: 'hang', hangMs: 20_000 }] },
        ['--timeout', '8s'],
      );
      sandbox.faults.replace({});
      check(REVERT_ROWS, 2);
      expect(await dbt(project.dir, ['run', '--vars', '{version: 1}'])).toBe(0);
      const after = await runSpoke(['sync', '--json'], { cwd: project.dir });
      expect(after.exitCode, after.stdout.slice(0, 2000)).toBe(0);
      check(REVERT_ROWS, 1);
    });
  });
});
