import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { inject } from 'vitest';
import type { SyncSpec } from '../../src/config/types.js';
import type { RecordOutcome } from '../../src/destinations/contract.js';
import { openStateStore, type StateStoreOptions } from '../../src/state/open-state-store.js';
import type { Change, ChangeSet, CommittedEntry, StateStore } from '../../src/state/state-store.js';
import { openWarehouse } from '../../src/warehouse/open-warehouse.js';
import type { Relation, Warehouse } from '../../src/warehouse/warehouse.js';
import { pgUrlToConnection } from '../support/pg-url.js';
import { createTestDatabase } from '../support/postgres.js';

export type Flavour = 'postgres' | 'redshift' | 'duckdb';
export const FLAVOURS: Flavour[] = ['postgres', 'redshift', 'duckdb'];

export interface StateWarehouse {
  flavour: Flavour;
  warehouse: Warehouse;
  /** Runs SQL on the warehouse (DDL and data for the model). */
  exec(sql: string): Promise<void>;
  relation(identifier: string): Relation;
  store(options?: Partial<StateStoreOptions>): Promise<StateStore>;
  /** A second, independent connection to the same warehouse (not for DuckDB). */
  reopen(): Promise<Warehouse>;
  /** Rows of a state table, for assertions. */
  rows(table: string, where?: string): Promise<Record<string, unknown>[]>;
  cleanup(): Promise<void>;
}

/**
 * A warehouse of the flavour: a fresh PostgreSQL database (read as PostgreSQL or as Redshift) or
 * a DuckDB file, holding a `models` schema.
 */
export async function stateWarehouse(flavour: Flavour, schema = 'spoke'): Promise<StateWarehouse> {
  const opened: { close(): Promise<void> }[] = [];
  let drop: () => Promise<void>;
  let open: () => Promise<Warehouse>;
  let database: string | null = null;
  if (flavour === 'duckdb') {
    const dir = await mkdtemp(join(tmpdir(), 'spoke-state-'));
    const path = join(dir, 'warehouse.duckdb');
    const instance = await DuckDBInstance.create(path);
    instance.closeSync();
    open = () => openWarehouse({ type: 'duckdb', path, schema: 'main' });
    drop = () => rm(dir, { recursive: true, force: true });
  } else {
    const db = await createTestDatabase(inject('databaseUrl'), `state_${flavour}`);
    database = db.name;
    open = () => openWarehouse(pgUrlToConnection(db.url, { type: flavour }));
    drop = db.drop;
  }
  const warehouse = await open();
  opened.push(warehouse);
  await warehouse.sql.query('CREATE SCHEMA models');
  return {
    flavour,
    warehouse,
    exec: async (sql) => {
      for (const statement of sql
        .split(';')
        .map((s) => s.trim())
        .filter(Boolean)) {
        await warehouse.sql.query(statement);
      }
    },
    relation: (identifier) => ({ database, schema: 'models', identifier }),
    store: async (options = {}) => {
      const store = await openStateStore(warehouse, { schema, ...options });
      opened.unshift(store);
      return store;
    },
    reopen: async () => {
      const other = await open();
      opened.unshift(other);
      return other;
    },
    rows: (table, where = 'TRUE') =>
      warehouse.sql.query(`SELECT * FROM "${schema}"."${table}" WHERE ${where} ORDER BY 1, 2, 3`),
    cleanup: async () => {
      for (const item of opened) await item.close().catch(() => {});
      await drop();
    },
  };
}

/** An accounts model of `count` rows: acc_0001.. with a name, an mrr and an active flag. */
export function accountsSql(count: number, flavour: Flavour, table = 'accounts'): string {
  const series = flavour === 'duckdb' ? `range(1, ${count + 1}) t(g)` : `generate_series(1, ${count}) g`;
  return `CREATE TABLE models.${table} (account_id VARCHAR(32), account_name VARCHAR(100), mrr NUMERIC(12,2), active BOOLEAN, renewed_at TIMESTAMP);
    INSERT INTO models.${table} SELECT 'acc_' || lpad(CAST(g AS VARCHAR), 6, '0'), 'Account ' || CAST(g AS VARCHAR), g * 10.5, g % 2 = 0, TIMESTAMP '2024-05-01 12:00:00' FROM ${series}`;
}

export function accountsSpec(relation: Relation, overrides: Partial<SyncSpec> = {}): SyncSpec {
  return {
    id: 'crm_accounts:salesforce.Account',
    model: 'crm_accounts',
    uniqueId: 'model.example.crm_accounts',
    relation,
    destination: 'salesforce',
    object: 'Account',
    key: 'account_id',
    match: 'Ext_Id__c',
    mode: 'upsert',
    fields: [
      { column: 'account_name', field: 'Name' },
      { column: 'mrr', field: 'MRR__c' },
      { column: 'active', field: 'Active__c' },
    ],
    lookups: [],
    associations: [],
    after: [],
    source: { file: 'models/crm.yml', index: 0 },
    ...overrides,
  };
}

export async function allChanges(set: ChangeSet): Promise<Change[]> {
  const out: Change[] = [];
  for await (const batch of set.changes()) out.push(...batch);
  return out.sort((a, b) => String(a.key).localeCompare(String(b.key)));
}

/** What the engine sends for a change: destination field → value. */
export function valuesOf(spec: SyncSpec, change: Change): Record<string, unknown> {
  return Object.fromEntries(spec.fields.map((f) => [f.field, change.row[f.column]]));
}

/** The entries a destination confirming every change as created would produce. */
export function confirmed(
  spec: SyncSpec,
  changes: Change[],
  outcome: (change: Change, index: number) => Partial<RecordOutcome> = () => ({}),
): CommittedEntry[] {
  return changes.map((change, index) => {
    const key = change.key as string;
    return {
      key,
      operation: 'upsert',
      attempt: 1,
      hash: change.hash,
      values: valuesOf(spec, change),
      outcome: { key, status: 'created', destinationId: `001${key}`, ...outcome(change, index) },
    };
  });
}

export async function commitAll(
  store: StateStore,
  spec: SyncSpec,
  entries: CommittedEntry[],
  runId = 'run-1',
  batchSize = 2000,
): Promise<void> {
  for (let i = 0; i < entries.length; i += batchSize) {
    await store.commitBatch({
      runId,
      syncId: spec.id,
      destination: spec.destination,
      object: spec.object,
      entries: entries.slice(i, i + batchSize),
    });
  }
}

export const PLAN = { fullRefresh: false, retryFailed: false, batchSize: 500 };
