/**
 * Measures the state store (not a test): commitBatch throughput into the snapshot and planning
 * over unchanged rows, on PostgreSQL, Redshift-on-PostgreSQL and DuckDB.
 *   npx tsx test/state/measure-state.ts [rows=1000000] [flavours=postgres,duckdb,redshift]
 * PostgreSQL: SPOKE_TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { openStateStore } from '../../src/state/open-state-store.js';
import type { Change, StateStore } from '../../src/state/state-store.js';
import { openWarehouse } from '../../src/warehouse/open-warehouse.js';
import type { Warehouse } from '../../src/warehouse/warehouse.js';
import { pgUrlToConnection } from '../support/pg-url.js';
import { createTestDatabase } from '../support/postgres.js';
import { accountsSpec, accountsSql, type Flavour, valuesOf } from './fixtures.js';

const rows = Number(process.argv[2] ?? 1_000_000);
const flavours = (process.argv[3] ?? 'postgres,duckdb,redshift').split(',') as Flavour[];
const BATCH = 2000;

for (const flavour of flavours) {
  let warehouse: Warehouse;
  let cleanup: () => Promise<void>;
  let database: string | null = null;
  if (flavour === 'duckdb') {
    const dir = await mkdtemp(join(tmpdir(), 'spoke-measure-'));
    const path = join(dir, 'w.duckdb');
    (await DuckDBInstance.create(path)).closeSync();
    warehouse = await openWarehouse({ type: 'duckdb', path, schema: 'main' });
    cleanup = () => rm(dir, { recursive: true, force: true });
  } else {
    const url = process.env.SPOKE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
    const db = await createTestDatabase(url, `measure_${flavour}`);
    database = db.name;
    warehouse = await openWarehouse(pgUrlToConnection(db.url, { type: flavour }));
    cleanup = db.drop;
  }
  try {
    await warehouse.sql.query('CREATE SCHEMA models');
    for (const statement of accountsSql(rows, flavour).split(';')) await warehouse.sql.query(statement);
    const spec = accountsSpec({ database, schema: 'models', identifier: 'accounts' });
    const store: StateStore = await openStateStore(warehouse, { schema: 'spoke' });
    await store.migrate();

    let t = performance.now();
    const plan = await store.planChanges(spec, { fullRefresh: false, retryFailed: false, batchSize: BATCH });
    const countsMs = performance.now() - t;
    let committed = 0;
    let commitMs = 0;
    for await (const batch of plan.changes()) {
      const started = performance.now();
      await store.commitBatch({
        runId: 'measure',
        syncId: spec.id,
        destination: spec.destination,
        object: spec.object,
        entries: batch.map((c: Change) => ({
          key: c.key as string,
          operation: 'upsert' as const,
          attempt: 1,
          hash: c.hash,
          values: valuesOf(spec, c),
          outcome: { key: c.key as string, status: 'created' as const, destinationId: `001${c.key}` },
        })),
      });
      commitMs += performance.now() - started;
      committed += batch.length;
    }
    const firstMs = performance.now() - t;

    t = performance.now();
    const rerun = await store.planChanges(spec, { fullRefresh: false, retryFailed: false, batchSize: BATCH });
    let streamed = 0;
    for await (const batch of rerun.changes()) streamed += batch.length;
    const rerunMs = performance.now() - t;

    await warehouse.sql.query(
      `UPDATE models.accounts SET mrr = mrr + 1 WHERE MOD(CAST(SUBSTR(account_id, 5) AS INTEGER), 100) = 0`,
    );
    t = performance.now();
    const onePercent = await store.planChanges(spec, {
      fullRefresh: false,
      retryFailed: false,
      batchSize: BATCH,
    });
    let changed = 0;
    for await (const batch of onePercent.changes()) changed += batch.length;
    const onePercentMs = performance.now() - t;

    console.log(
      JSON.stringify({
        flavour,
        rows,
        firstPlanCountsMs: Math.round(countsMs),
        committed,
        commitRowsPerSecond: Math.round(committed / (commitMs / 1000)),
        firstRunTotalMs: Math.round(firstMs),
        rerunUnchanged: rerun.counts.unchanged,
        rerunStreamed: streamed,
        rerunPlanMs: Math.round(rerunMs),
        onePercentChanged: changed,
        onePercentPlanMs: Math.round(onePercentMs),
        rssMb: Math.round(process.memoryUsage().rss / 1e6),
      }),
    );
    await store.close();
  } finally {
    await warehouse.close();
    await cleanup();
  }
}
