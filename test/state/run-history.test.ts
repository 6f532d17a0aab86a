import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoggedRecord, RunHistory } from '../../src/state/history/run-history.js';
import { openRunHistory } from '../../src/state/history/run-history.js';
import type { CommittedEntry, StateStore } from '../../src/state/state-store.js';
import { FLAVOURS, type StateWarehouse, stateWarehouse } from './fixtures.js';

const ACCOUNTS = 'crm_accounts:salesforce.Account';
const CONTACTS = 'crm_contacts:hubspot.contacts';
const T0 = Date.parse('2026-05-01T08:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

const created = (key: string, attempt = 1): CommittedEntry => ({
  key,
  operation: 'upsert',
  attempt,
  outcome: { key, status: 'created', destinationId: `id_${key}` },
});
const failed = (
  key: string,
  code: string,
  message: string,
  attempt = 1,
  transient = false,
): CommittedEntry => ({
  key,
  operation: 'upsert',
  attempt,
  outcome: { key, status: 'failed', error: { code, message, transient } },
});

interface SyncWrite {
  syncId: string;
  entries: CommittedEntry[];
  status?: string;
  error?: string | null;
}

/** A run as the engine records it, through the state store's own writes. */
async function recordRun(
  store: StateStore,
  runId: string,
  startedAt: Date,
  syncs: SyncWrite[],
  options: { status?: string; finished?: boolean; command?: string } = {},
): Promise<void> {
  await store.startRun({
    runId,
    target: 'dev',
    invocationId: null,
    command: options.command ?? 'sync',
    startedAt,
  });
  for (const sync of syncs) {
    await store.startSyncRun(runId, sync.syncId, startedAt);
    if (sync.entries.length > 0)
      await store.commitBatch({
        runId,
        syncId: sync.syncId,
        destination: 'crm',
        object: 'Thing',
        entries: sync.entries,
      });
    const last = new Map(sync.entries.map((entry) => [entry.key, entry.outcome.status]));
    const count = (status: string) => [...last.values()].filter((s) => s === status).length;
    await store.finishSyncRun(runId, {
      syncId: sync.syncId,
      status: sync.status ?? (count('failed') > 0 ? 'partial' : 'success'),
      attempted: last.size,
      created: count('created'),
      updated: count('updated'),
      deleted: count('deleted'),
      failed: count('failed'),
      invalid: 0,
      skipped: count('skipped'),
      unchanged: 3,
      stillFailing: 0,
      error: sync.error ?? null,
      finishedAt: new Date(startedAt.getTime() + 1500),
    });
  }
  if (options.finished !== false)
    await store.finishRun(runId, options.status ?? 'success', new Date(startedAt.getTime() + 2000));
}

async function allRecords(history: RunHistory, runId: string, limit: number): Promise<LoggedRecord[]> {
  const out: LoggedRecord[] = [];
  for await (const page of history.recordPages(runId, { limit })) out.push(...page.items);
  return out;
}

const identity = (r: LoggedRecord) => `${r.syncId}|${r.recordKey}|${r.operation}|${r.attempt}`;

describe.each(FLAVOURS)('the run history on %s', (flavour) => {
  let db: StateWarehouse;
  let schema = 0;

  /** A state schema of its own per test, migrated as a sync would. */
  async function freshState(): Promise<{
    store: StateStore;
    history: () => Promise<RunHistory>;
    name: string;
  }> {
    const name = `history_${++schema}`;
    const store = await db.store({ schema: name });
    await store.migrate();
    return { store, name, history: () => openRunHistory(db.warehouse.sql, name) };
  }

  beforeAll(async () => {
    db = await stateWarehouse(flavour);
  });
  afterAll(async () => {
    await db?.cleanup();
  });

  it('says a project that never synced has no history, and creates nothing reading it', async () => {
    const history = await openRunHistory(db.warehouse.sql, 'never_synced');
    expect(history.recorded).toBe(false);
    expect(await history.listRuns()).toEqual({ items: [], nextCursor: null });
    expect(await history.resolveRun('latest')).toEqual({ run: null, closest: [] });
    const schemas = await db.warehouse.sql.query(
      `SELECT schema_name FROM information_schema.schemata WHERE schema_name = 'never_synced'`,
    );
    expect(schemas).toEqual([]);
  });

  it('lists runs newest first with status, command, per-status totals and duration, filtered by status and sync', async () => {
    const { store, history } = await freshState();
    await recordRun(store, 'run-a', at(0), [{ syncId: ACCOUNTS, entries: [created('a1'), created('a2')] }]);
    await recordRun(
      store,
      'run-b',
      at(10),
      [
        { syncId: ACCOUNTS, entries: [created('a3'), failed('a4', 'INVALID_OPTION', 'Plan: bad value')] },
        { syncId: CONTACTS, entries: [created('c1')] },
      ],
      { status: 'failed', command: 'dbt build --select crm' },
    );
    await recordRun(store, 'run-c', at(20), [{ syncId: CONTACTS, entries: [] }], { finished: false });
    const read = await history();

    const all = await read.listRuns();
    expect(all.nextCursor).toBeNull();
    expect(all.items.map((run) => run.runId)).toEqual(['run-c', 'run-b', 'run-a']);
    expect(all.items[1]).toEqual({
      runId: 'run-b',
      target: 'dev',
      invocationId: null,
      command: 'dbt build --select crm',
      status: 'failed',
      startedAt: at(10).toISOString(),
      finishedAt: new Date(at(10).getTime() + 2000).toISOString(),
      durationMs: 2000,
      error: null,
      syncs: 2,
      totals: {
        attempted: 3,
        created: 2,
        updated: 0,
        deleted: 0,
        failed: 1,
        invalid: 0,
        skipped: 0,
        unchanged: 6,
        stillFailing: 0,
      },
      bySync: [
        {
          syncId: ACCOUNTS,
          status: 'partial',
          ...{ attempted: 2, created: 1, updated: 0, deleted: 0, failed: 1, invalid: 0, skipped: 0 },
          ...{ unchanged: 3, stillFailing: 0 },
        },
        {
          syncId: CONTACTS,
          status: 'success',
          ...{ attempted: 1, created: 1, updated: 0, deleted: 0, failed: 0, invalid: 0, skipped: 0 },
          ...{ unchanged: 3, stillFailing: 0 },
        },
      ],
    });
    expect(all.items[0]).toMatchObject({ status: 'running', finishedAt: null, durationMs: null });

    expect((await read.listRuns({ status: 'failed' })).items.map((r) => r.runId)).toEqual(['run-b']);
    expect((await read.listRuns({ syncId: ACCOUNTS })).items.map((r) => r.runId)).toEqual(['run-b', 'run-a']);
    expect((await read.listRuns({ syncId: 'no:such.sync' })).items).toEqual([]);
    expect(await read.syncIds()).toEqual([ACCOUNTS, CONTACTS]);
    const first = await read.listRuns({ limit: 2 });
    expect(first.items.map((r) => r.runId)).toEqual(['run-c', 'run-b']);
    expect((await read.listRuns({ limit: 2, cursor: first.nextCursor! })).items.map((r) => r.runId)).toEqual([
      'run-a',
    ]);
  });

  it('pages runs without losing or repeating one while new runs start between pages, runs started in the same millisecond included', async () => {
    const { store, history } = await freshState();
    const ids: string[] = [];
    for (let i = 0; i < 9; i++) {
      // Runs 3 and 4, and 6 and 7, started in the same millisecond.
      const minute = [0, 1, 2, 3, 3, 5, 6, 6, 8][i]!;
      const id = `run-${String(i).padStart(2, '0')}`;
      ids.push(id);
      await recordRun(store, id, at(minute), [{ syncId: ACCOUNTS, entries: [created(`k${i}`)] }]);
    }
    const read = await history();
    const seen: string[] = [];
    let cursor: string | undefined;
    let inserted = 0;
    do {
      const page = await read.listRuns({ limit: 2, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((run) => run.runId));
      cursor = page.nextCursor ?? undefined;
      // Another process starts a run meanwhile.
      await recordRun(store, `new-${++inserted}`, at(100 + inserted), []);
    } while (cursor);
    expect(seen).toHaveLength(ids.length);
    expect(new Set(seen).size).toBe(ids.length);
    expect([...seen].sort()).toEqual(ids);
  });

  it('details a run: each sync’s counts and timings, its error, and failed records grouped by code with samples and the destination’s message', async () => {
    const { store, history } = await freshState();
    const contacts = [
      created('c01'),
      // Retried after a 429 and then created: not a failure.
      failed('c02', 'REQUEST_LIMIT_EXCEEDED', 'Too many requests', 1, true),
      created('c02', 2),
      // Failed twice: one failed record, by its last attempt.
      failed('c03', 'UNABLE_TO_LOCK_ROW', 'row locked', 1, true),
      failed('c03', 'INVALID_EMAIL', 'Email c03@ is invalid', 2),
      ...['c04', 'c05', 'c06', 'c07', 'c08', 'c09', 'c10'].map((key) =>
        failed(key, 'INVALID_EMAIL', `Email ${key}@ is invalid`),
      ),
      failed('c11', 'REQUIRED_FIELD_MISSING', 'Required fields are missing: [LastName]'),
    ];
    await recordRun(
      store,
      'run-detail',
      at(0),
      [
        { syncId: CONTACTS, entries: contacts },
        {
          syncId: ACCOUNTS,
          entries: [],
          status: 'failed',
          error: 'HTTP 503 from describe, failed 4 times in a row',
        },
      ],
      { status: 'failed' },
    );
    const read = await history();
    const { run } = await read.resolveRun('run-detail');
    const detail = await read.runDetail(run!);
    expect(detail.run.runId).toBe('run-detail');
    const bySync = new Map(detail.syncs.map((sync) => [sync.syncId, sync]));
    expect(bySync.get(ACCOUNTS)).toMatchObject({
      status: 'failed',
      attempted: 0,
      error: 'HTTP 503 from describe, failed 4 times in a row',
      errors: [],
      durationMs: 1500,
    });
    const sync = bySync.get(CONTACTS)!;
    expect(sync).toMatchObject({
      status: 'partial',
      attempted: 11,
      created: 2,
      failed: 9,
      unchanged: 3,
      error: null,
      startedAt: at(0).toISOString(),
      finishedAt: new Date(at(0).getTime() + 1500).toISOString(),
    });
    expect(sync.errors).toEqual([
      {
        code: 'INVALID_EMAIL',
        count: 8,
        samples: ['c03', 'c04', 'c05', 'c06', 'c07'].map((key) => ({
          key,
          message: `Email ${key}@ is invalid`,
        })),
      },
      {
        code: 'REQUIRED_FIELD_MISSING',
        count: 1,
        samples: [{ key: 'c11', message: 'Required fields are missing: [LastName]' }],
      },
    ]);
    expect(sync.errors.reduce((sum, group) => sum + group.count, 0)).toBe(sync.failed);
  });

  it('reads the record log filtered by sync, status, operation and key, every attempt with its outcome', async () => {
    const { store, history } = await freshState();
    await recordRun(store, 'run-log', at(0), [
      {
        syncId: CONTACTS,
        entries: [
          created('c1'),
          failed('c2', 'INVALID_EMAIL', 'Email c2@ is invalid'),
          failed('c3', 'RATE_LIMIT', '429', 1, true),
          created('c3', 2),
        ],
      },
      {
        syncId: ACCOUNTS,
        entries: [
          created('a1'),
          {
            key: 'a0',
            operation: 'delete',
            attempt: 1,
            outcome: { key: 'a0', status: 'deleted', destinationId: 'id_a0' },
          },
        ],
      },
    ]);
    await recordRun(store, 'run-other', at(5), [{ syncId: CONTACTS, entries: [created('c9')] }]);
    const read = await history();
    const page = await read.recordPage('run-log');
    expect(page.nextCursor).toBeNull();
    expect(page.items.map(identity)).toEqual(
      [
        `${ACCOUNTS}|a0|delete|1`,
        `${ACCOUNTS}|a1|upsert|1`,
        `${CONTACTS}|c1|upsert|1`,
        `${CONTACTS}|c2|upsert|1`,
        `${CONTACTS}|c3|upsert|1`,
        `${CONTACTS}|c3|upsert|2`,
      ].sort(),
    );
    expect(page.items.find((r) => r.recordKey === 'c2')).toEqual({
      syncId: CONTACTS,
      recordKey: 'c2',
      operation: 'upsert',
      attempt: 1,
      status: 'failed',
      destinationId: null,
      errorCode: 'INVALID_EMAIL',
      errorMessage: 'Email c2@ is invalid',
      transient: false,
      loggedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/),
    });
    expect(page.items.find((r) => r.recordKey === 'a1')).toMatchObject({
      destinationId: 'id_a1',
      transient: null,
    });

    const keys = async (query: Parameters<RunHistory['recordPage']>[1]) =>
      (await read.recordPage('run-log', query)).items.map(identity);
    expect(await keys({ syncId: ACCOUNTS })).toEqual([`${ACCOUNTS}|a0|delete|1`, `${ACCOUNTS}|a1|upsert|1`]);
    expect(await keys({ status: 'failed' })).toEqual([`${CONTACTS}|c2|upsert|1`, `${CONTACTS}|c3|upsert|1`]);
    expect(await keys({ operation: 'delete' })).toEqual([`${ACCOUNTS}|a0|delete|1`]);
    expect(await keys({ key: 'c3' })).toEqual([`${CONTACTS}|c3|upsert|1`, `${CONTACTS}|c3|upsert|2`]);
    expect(await keys({ key: 'c3', status: 'created', syncId: CONTACTS })).toEqual([
      `${CONTACTS}|c3|upsert|2`,
    ]);
    expect(await keys({ key: 'nope' })).toEqual([]);
  });

  /** A run's log of 150 rows, still being written. */
  async function runningRun(): Promise<{ store: StateStore; read: RunHistory; before: LoggedRecord[] }> {
    const { store, history } = await freshState();
    const keys = Array.from({ length: 120 }, (_, i) => `k${String(i * 2).padStart(4, '0')}`);
    await recordRun(
      store,
      'run-big',
      at(0),
      [
        { syncId: ACCOUNTS, entries: keys.map((key) => created(key)) },
        { syncId: CONTACTS, entries: keys.slice(0, 30).map((key) => failed(key, 'X', `bad ${key}`)) },
      ],
      { finished: false },
    );
    const read = await history();
    const before = await allRecords(read, 'run-big', 10_000);
    expect(before).toHaveLength(150);
    return { store, read, before };
  }

  /** The run writes more: new keys before and after any cursor, and retries of early keys. */
  const writeMore = (store: StateStore, n: number) =>
    store.commitBatch({
      runId: 'run-big',
      syncId: ACCOUNTS,
      destination: 'crm',
      object: 'Thing',
      entries: [
        created(`k${String(n * 2 + 1).padStart(4, '0')}`),
        created(`k${String(n * 16 + 1).padStart(4, '0')}`),
        created(`k${String(n * 2).padStart(4, '0')}`, 2),
      ],
    });

  function expectEachOnce(seen: LoggedRecord[], before: LoggedRecord[]) {
    const ids = seen.map(identity);
    expect(new Set(ids).size).toBe(ids.length);
    const present = new Set(ids);
    for (const record of before) expect(present.has(identity(record)), identity(record)).toBe(true);
    // Rows are in (sync, key, operation, attempt) order however they were written.
    expect(ids).toEqual([...ids].sort());
  }

  it('pages the record log by cursor without losing or repeating a row while the run keeps writing', async () => {
    const { store, read, before } = await runningRun();
    const seen: LoggedRecord[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await read.recordPage('run-big', { limit: 17, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items);
      cursor = page.nextCursor ?? undefined;
      await writeMore(store, ++pages);
    } while (cursor);
    expect(pages).toBeGreaterThan(8);
    expectEachOnce(seen, before);
  });

  it('streams the record log as pages, each with the cursor that resumes after it, while the run keeps writing', async () => {
    const { store, read, before } = await runningRun();
    const firstPages = [];
    for await (const page of read.recordPages('run-big', { limit: 40 })) firstPages.push(page);
    expect(firstPages.map((page) => page.items.length)).toEqual([40, 40, 40, 30]);
    const resumed = await read.recordPage('run-big', { limit: 40, cursor: firstPages[1]!.nextCursor! });
    expect(resumed).toEqual(firstPages[2]);
    expect(firstPages[3]!.nextCursor).toBeNull();

    const seen: LoggedRecord[] = [];
    let pages = 0;
    for await (const page of read.recordPages('run-big', { limit: 17 })) {
      seen.push(...page.items);
      await writeMore(store, ++pages);
    }
    expect(pages).toBeGreaterThan(8);
    expectEachOnce(seen, before);
  });

  it('resolves latest, an id and a unique id prefix, and names the closest ids for an unknown one', async () => {
    const { store, history } = await freshState();
    await recordRun(store, '3f2a9c1e-0001', at(0), []);
    await recordRun(store, '3f2a9c1e-0002', at(1), []);
    await recordRun(store, 'b7d04e55-0003', at(2), []);
    const read = await history();
    expect((await read.resolveRun('latest')).run?.runId).toBe('b7d04e55-0003');
    expect((await read.resolveRun('3f2a9c1e-0001')).run?.runId).toBe('3f2a9c1e-0001');
    expect((await read.resolveRun('b7d0')).run?.runId).toBe('b7d04e55-0003');
    expect(await read.resolveRun('3f2a')).toEqual({ run: null, closest: ['3f2a9c1e-0002', '3f2a9c1e-0001'] });
    expect(await read.resolveRun('3f2a9c1e-0004')).toEqual({
      run: null,
      closest: ['3f2a9c1e-0001', '3f2a9c1e-0002'],
    });
    expect((await read.resolveRun('zzzzzzzz-zzzz')).closest).toEqual([]);
  });

  it('reads a state schema an older dbt-spoke wrote, without the columns added since, and changes nothing', async () => {
    const { store, history, name } = await freshState();
    await recordRun(store, 'run-old', at(0), [
      { syncId: ACCOUNTS, entries: [failed('a1', 'INVALID_OPTION', 'bad plan')] },
    ]);
    // Version 1 had neither runs.error nor sync_runs.still_failing.
    await db.exec(
      `ALTER TABLE "${name}".runs DROP COLUMN error; ALTER TABLE "${name}".sync_runs DROP COLUMN still_failing`,
    );
    const read = await history();
    const { items } = await read.listRuns();
    expect(items).toEqual([
      expect.objectContaining({
        runId: 'run-old',
        error: null,
        totals: expect.objectContaining({ failed: 1, stillFailing: 0 }),
      }),
    ]);
    const detail = await read.runDetail(items[0]!);
    expect(detail.syncs[0]).toMatchObject({
      stillFailing: 0,
      errors: [{ code: 'INVALID_OPTION', count: 1 }],
    });
    const columns = await db.warehouse.sql.query(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = '${name}' AND table_name = 'runs' AND column_name = 'error'`,
    );
    expect(columns).toEqual([]);
  });

  it('refuses a cursor it did not give out, naming the fix', async () => {
    const { store, history } = await freshState();
    await recordRun(store, 'run-1', at(0), [{ syncId: ACCOUNTS, entries: [created('a1')] }]);
    const read = await history();
    await expect(read.listRuns({ cursor: 'not-a-cursor' })).rejects.toMatchObject({
      code: 'SPOKE_USAGE',
      message: expect.stringContaining('leave the cursor out to start at the first page'),
    });
    await expect(
      read.recordPage('run-1', {
        cursor: Buffer.from('["runs","2026-01-01T00:00:00Z","x"]').toString('base64url'),
      }),
    ).rejects.toMatchObject({ code: 'SPOKE_USAGE' });
  });
});
