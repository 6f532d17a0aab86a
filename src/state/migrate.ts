import { SpokeError } from '../errors.js';
import { quoteIdentifier } from '../warehouse/quote.js';
import type { SqlRunner, SqlSession } from '../warehouse/sql-session.js';
import { ADVISORY_LOCK_CLASS } from './advisory-lock-keys.js';
import { migrationsFor } from './migrations/index.js';
import { stateDialect } from './state-dialect.js';
import { stateTables } from './state-tables.js';

/**
 * Creates the state schema and applies the migrations it lacks, each recorded in
 * `schema_migrations`. Two processes starting at once apply each migration once: PostgreSQL
 * serialises them with an advisory lock, Redshift with a table lock, DuckDB has one writer.
 */
export async function migrateState(session: SqlSession, schema: string): Promise<void> {
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
