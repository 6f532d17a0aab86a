import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNTS_SPOKE, CONTACTS_SPOKE, type FixtureProject } from './fixture-project.js';

export interface QueueRow {
  id: string;
  invocation_id: string;
  unique_id: string;
  model: string;
  relation_name: string | null;
  spoke_config: string;
  dbt_target: string | null;
  enqueued_at: Date;
  status: string;
  claimed_at: Date | null;
  claimed_by: string | null;
  finished_at: Date | null;
}

export interface QueueWarehouse {
  /** Creates the fixture project against this warehouse. */
  setUp(): Promise<FixtureProject>;
  /** Every row of the queue table, or null when the table does not exist. */
  readQueue(project: FixtureProject): Promise<QueueRow[] | null>;
  /** `<database>.<state schema>.sync_queue` as dbt quotes it; readQueue reads this table. */
  queueRelationName: string;
  /** How dbt names a model's relation in this warehouse. */
  relationName(model: string): string;
  tearDown?(): Promise<void>;
}

const QUEUED = ['model.fixture.accounts', 'model.fixture.contacts'];

/** The same behaviour on every warehouse: dbt deps, two builds, a compile, an empty build. */
export function describeEnqueue(name: string, warehouse: QueueWarehouse): void {
  let project: FixtureProject;
  const builds: { exitCode: number; output: string; invocationId: string }[] = [];
  let afterFirstBuild: QueueRow[] | null;
  let afterBuilds: QueueRow[] | null;
  let afterCompile: QueueRow[] | null;
  let compiledQueueQuery: string;
  let compile: { exitCode: number; output: string };
  let emptyBuild: { exitCode: number; output: string };
  let afterEmptyBuild: QueueRow[] | null;
  let started: Date;

  beforeAll(async () => {
    project = await warehouse.setUp();
    const deps = await project.dbt(['deps']);
    expect(deps.exitCode, deps.output).toBe(0);
    started = new Date(Date.now() - 1000);
    for (let i = 0; i < 2; i++) {
      const build = await project.dbt(['build']);
      builds.push({ ...build, invocationId: await project.lastInvocationId() });
      if (i === 0) afterFirstBuild = await warehouse.readQueue(project);
    }
    afterBuilds = await warehouse.readQueue(project);
    compile = await project.dbt(['compile']);
    compiledQueueQuery = await readFile(
      join(project.dir, 'target', 'compiled', 'fixture', 'analyses', 'queue.sql'),
      'utf8',
    );
    afterCompile = await warehouse.readQueue(project);
    emptyBuild = await project.dbt(['build', '--empty', '--select', 'accounts']);
    afterEmptyBuild = await warehouse.readQueue(project);
  });

  afterAll(async () => {
    await project?.remove();
    await warehouse.tearDown?.();
  });

  describe(`spoke.enqueue on ${name}`, () => {
    it('queues only the models that built, carry spoke meta and passed their tests', () => {
      expect(builds[0]!.exitCode, builds[0]!.output).toBe(1);
      expect(afterFirstBuild?.map((row) => row.unique_id).sort()).toEqual(QUEUED);
    });

    it('fills each queue row with the invocation, the relation and the target, ready to claim', () => {
      const invocationId = builds[0]!.invocationId;
      const accounts = afterFirstBuild?.find((row) => row.model === 'accounts');
      expect(accounts).toMatchObject({
        id: `${invocationId}:model.fixture.accounts`,
        invocation_id: invocationId,
        unique_id: 'model.fixture.accounts',
        relation_name: warehouse.relationName('accounts'),
        dbt_target: 'test',
        status: 'queued',
        claimed_at: null,
        claimed_by: null,
        finished_at: null,
      });
      expect(accounts!.enqueued_at.getTime()).toBeGreaterThanOrEqual(started.getTime());
      expect(accounts!.enqueued_at.getTime()).toBeLessThanOrEqual(Date.now());
    });

    it('stores the spoke meta as JSON that parses back to what the model declared', () => {
      const config = (model: string) =>
        JSON.parse(afterFirstBuild!.find((row) => row.model === model)!.spoke_config);
      expect(config('accounts')).toEqual(ACCOUNTS_SPOKE);
      expect(config('contacts')).toEqual(CONTACTS_SPOKE);
    });

    it('says how many models it queued, and queues nothing twice when the hook runs again', () => {
      const lines = builds[0]!.output.split('\n').filter((line) => line.includes('spoke: queued'));
      expect(lines).toEqual([
        expect.stringContaining('spoke: queued 2 models for syncing'),
        expect.stringContaining('spoke: queued 0 models for syncing'),
      ]);
    });

    it('adds one row per model for every dbt build', () => {
      const byInvocation = (invocationId: string) =>
        afterBuilds!
          .filter((row) => row.invocation_id === invocationId)
          .map((row) => row.unique_id)
          .sort();
      expect(builds[1]!.invocationId).not.toBe(builds[0]!.invocationId);
      expect(afterBuilds).toHaveLength(4);
      expect(byInvocation(builds[0]!.invocationId)).toEqual(QUEUED);
      expect(byInvocation(builds[1]!.invocationId)).toEqual(QUEUED);
    });

    it('names the queue table through spoke.sync_queue_relation() so projects can select from it', () => {
      expect(compiledQueueQuery.trim()).toBe(`select model from ${warehouse.queueRelationName}`);
    });

    it('queues nothing on dbt compile', () => {
      expect(compile.exitCode, compile.output).toBe(0);
      expect(compile.output).not.toContain('spoke: queued');
      expect(afterCompile).toEqual(afterBuilds);
    });

    it('queues nothing when dbt build --empty built the models from no rows, and says why', () => {
      expect(emptyBuild.exitCode, emptyBuild.output).toBe(0);
      expect(emptyBuild.output).toContain(
        'spoke: queued nothing, because this run built models from no rows',
      );
      expect(afterEmptyBuild).toEqual(afterBuilds);
    });
  });
}
