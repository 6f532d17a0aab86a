import { SpokeError } from '../errors.js';
import { quoteIdentifier } from '../warehouse/quote.js';
import type { SqlRunner, SqlSession } from '../warehouse/sql-session.js';
import { ADVISORY_LOCK_CLASS } from './advisory-lock-keys.js';
import { migrationsFor } from './migrations/index.js';
import { stateDialect } from './state-dialect.js';
import { STATE_COLUMNS, type StateTable, stateTables } from './state-tables.js';

/**
 * Creates the state schema and applies the migrations it lacks, each recorded in
 * `schema_migrations`, then checks that every state table and column exists: a run that could
 * not record its outcomes must stop before it writes to a destination. Two processes starting
 * at once apply each migration once: PostgreSQL serialises them with an advisory lock, Redshift
 * with a table lock, DuckDB has one writer.
 */
export async function migrateState(session: SqlSession, schema: string): Promise<void> {
  await applyMigrations(session, schema);
  await verifyStateTables(session, schema);
}

async function applyMigrations(session: SqlSession, schema: string): Promise<void> {
  const table = stateTables(schema);
  const dialect = stateDialect(session.dialect);
  const createSchema = `CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`;
  const createMigrations = `CREATE TABLE IF NOT EXISTS ${table('schema_migrations')} (
    version BIGINT NOT NULL PRIMARY KEY,
    name ${session.dialect === 'redshift' ? 'VARCHAR(256)' : dialect.text} NOT NULL,
    applied_at ${dialect.timestamp} NOT NULL
  )`;

  if (session.dialect === 'postgres') {
    await session.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
        ADVISORY_LOCK_CLASS,
        `migrate:${schema}`,
      ]);
      await tx.query(createSchema);
      await tx.query(createMigrations);
      await applyPending(tx, session, schema);
    });
    return;
  }
  if (session.dialect === 'redshift') {
    // IF NOT EXISTS can still collide with a concurrent creator; the second try sees the winner's.
    await retryOnce(() => session.query(createSchema));
    await retryOnce(() => session.query(createMigrations));
    await session.transaction(async (tx) => {
      await tx.query(`LOCK ${table('schema_migrations')}`);
      await applyPending(tx, session, schema);
    });
    return;
  }
  await session.transaction(async (tx) => {
    await tx.query(createSchema);
    await tx.query(createMigrations);
    await applyPending(tx, session, schema);
  });
}

async function applyPending(tx: SqlRunner, session: SqlSession, schema: string): Promise<void> {
  const table = stateTables(schema);
  const dialect = stateDialect(session.dialect);
  const migrations = migrationsFor(session.dialect);
  const rows = await tx.query(`SELECT version FROM ${table('schema_migrations')}`);
  const applied = new Set(rows.map((row) => Number(row.version)));
  if (applied.size === 0) await refuseUnrecordedTables(tx, schema);
  const newest = Math.max(0, ...migrations.map((m) => m.version));
  const ahead = [...applied].filter((version) => version > newest);
  if (ahead.length > 0) {
    throw new SpokeError(
      'SPOKE_WAREHOUSE',
      `The state schema "${schema}" is at version ${Math.max(...ahead)}, written by a newer dbt-spoke ` +
        `than this one (which knows up to version ${newest}). Upgrade dbt-spoke, or point state.schema ` +
        'in spoke.yml at another schema.',
    );
  }
  for (const migration of migrations) {
    if (applied.has(migration.version)) continue;
    for (const statement of migration.statements(table)) await tx.query(statement);
    await tx.query(
      `INSERT INTO ${table('schema_migrations')} (version, name, applied_at) VALUES ($1, $2, $3)`,
      [migration.version, migration.name, dialect.timestampParam(new Date())],
    );
  }
}

async function retryOnce<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch {
    return action();
  }
}

/** Tables present while schema_migrations records nothing: someone emptied it; guessing is unsafe. */
async function refuseUnrecordedTables(tx: SqlRunner, schema: string): Promise<void> {
  const rows = await tx.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_name <> 'schema_migrations'`,
    [schema],
  );
  // dbt's enqueue macro creates sync_queue on its own, before dbt-spoke may have run at all.
  const known = rows
    .map((row) => String(row.table_name))
    .filter((name) => name in STATE_COLUMNS && name !== 'sync_queue');
  if (known.length === 0) return;
  throw new SpokeError(
    'SPOKE_STATE',
    `The state schema "${schema}" holds dbt-spoke tables (${known.sort().join(', ')}) but ${schema}.schema_migrations ` +
      'records no version, so dbt-spoke cannot tell which version they are at; nothing was sent. Restore ' +
      `schema_migrations from a backup, or drop schema "${schema}" to start over (the next run then resends every row once).`,
  );
}

/** Every state table and column dbt-spoke writes exists; otherwise the run stops before writing. */
export async function verifyStateTables(session: SqlSession, schema: string): Promise<void> {
  const rows = await session.query(
    'SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = $1',
    [schema],
  );
  const present = new Map<string, Set<string>>();
  for (const row of rows) {
    const name = String(row.table_name);
    const columns = present.get(name) ?? new Set<string>();
    columns.add(String(row.column_name).toLowerCase());
    present.set(name, columns);
  }
  const problems: string[] = [];
  for (const [name, columns] of Object.entries(STATE_COLUMNS) as [StateTable, readonly string[]][]) {
    const found = present.get(name);
    if (!found) {
      problems.push(`table ${schema}.${name} is missing`);
      continue;
    }
    const missing = columns.filter((column) => !found.has(column));
    if (missing.length > 0)
      problems.push(`${schema}.${name} lacks column${missing.length === 1 ? '' : 's'} ${missing.join(', ')}`);
  }
  if (problems.length === 0) return;
  throw new SpokeError(
    'SPOKE_STATE',
    `dbt-spoke cannot record outcomes: ${problems.join('; ')}, although ${schema}.schema_migrations says its ` +
      'migrations were applied. Nothing was sent. Restore the state schema from a backup, or drop schema ' +
      `"${schema}" to start over (the next run then resends every row once).`,
  );
}

/** Migrations this dbt-spoke knows that the state schema lacks (empty: current). */
export async function pendingMigrations(session: SqlSession, schema: string): Promise<number[]> {
  const table = stateTables(schema);
  const rows = await session.query(`SELECT version FROM ${table('schema_migrations')}`);
  const applied = new Set(rows.map((row) => Number(row.version)));
  return migrationsFor(session.dialect)
    .map((migration) => migration.version)
    .filter((version) => !applied.has(version));
}
