import type { ConnectionOptions } from 'node:tls';
import pg from 'pg';
import Cursor from 'pg-cursor';
import { SpokeError } from '../errors.js';
import { normalizeValue } from './normalize-value.js';
import { PostgresSqlSession, sessionSettingsSql } from './postgres-session.js';
import { spokeTypes } from './postgres-type-parsers.js';
import { displayName, qualifiedName, quoteIdentifier } from './quote.js';
import type { SqlSession } from './sql-session.js';
import type { ColumnInfo, PostgresConnection, Relation, Row, Warehouse } from './warehouse.js';

const DEFAULT_CONNECT_TIMEOUT_SECONDS = 10;
const UNDEFINED_TABLE = '42P01';
const INVALID_SCHEMA = '3F000';
const UNDEFINED_COLUMN = '42703';

/** PostgreSQL and Redshift through pg. Redshift shares the code; `dialect` gates what it lacks. */
export class PostgresWarehouse implements Warehouse {
  readonly type: 'postgres' | 'redshift';
  readonly dialect: 'postgres' | 'redshift';
  readonly sql: SqlSession;
  private readonly pool: pg.Pool;

  private constructor(
    private readonly connection: PostgresConnection,
    readOnly: boolean,
  ) {
    this.type = connection.type;
    this.dialect = connection.type;
    const clientConfig: pg.ClientConfig = {
      host: connection.host,
      port: connection.port,
      user: connection.user,
      password: connection.password,
      database: connection.database,
      ssl: sslOptions(connection.sslmode),
      connectionTimeoutMillis: (connection.connectTimeoutSeconds ?? DEFAULT_CONNECT_TIMEOUT_SECONDS) * 1000,
      application_name: 'dbt-spoke',
      types: spokeTypes,
      // Enforced by the server: a read-only session cannot create, insert or make a temp table.
      // (Redshift takes no startup options; what it is sent is SELECTs only.)
      ...(readOnly && connection.type === 'postgres'
        ? { options: '-c default_transaction_read_only=on' }
        : {}),
    };
    this.pool = new pg.Pool({ ...clientConfig, max: 4, idleTimeoutMillis: 10_000 });
    // An idle client losing its server must not crash the process; the next query reports it.
    this.pool.on('error', () => {});
    // Queued before any query of the new client, so every statement sees the same settings.
    this.pool.on('connect', (client) => {
      client.query(sessionSettingsSql(this.dialect)).catch(() => {});
    });
    this.sql = new PostgresSqlSession({
      dialect: this.dialect,
      clientConfig,
      connect: () => this.connect(),
      relationSql: (relation) => {
        this.assertReadable(relation);
        return qualifiedName(relation, this.type);
      },
    });
  }

  /** Opens a pool and checks the connection, so bad credentials fail before any work starts. */
  static async open(
    connection: PostgresConnection,
    options: { readOnly?: boolean } = {},
  ): Promise<PostgresWarehouse> {
    const warehouse = new PostgresWarehouse(connection, options.readOnly ?? false);
    try {
      const client = await warehouse.connect();
      client.release();
    } catch (error) {
      await warehouse.close();
      throw error;
    }
    return warehouse;
  }

  async columns(relation: Relation): Promise<ColumnInfo[]> {
    this.assertReadable(relation);
    const result = await this.query<{ name: string; type: string }>(
      `SELECT column_name AS name, data_type AS type
         FROM information_schema.columns
        WHERE table_schema = $1 AND table_name = $2
        ORDER BY ordinal_position`,
      [relation.schema, relation.identifier],
      relation,
    );
    if (result.rows.length > 0) return result.rows.map((r) => ({ name: r.name, type: r.type }));
    // information_schema hides relations the user cannot see in full and Redshift late-binding
    // views; asking the relation itself tells a missing relation from a hidden one.
    const probe = await this.query(
      `SELECT * FROM ${qualifiedName(relation, this.type)} LIMIT 0`,
      [],
      relation,
    );
    return probe.fields.map((f) => ({ name: f.name, type: typeName(f.dataTypeID) }));
  }

  async *readRows(relation: Relation, columns: string[], batchSize: number): AsyncIterable<Row[]> {
    this.assertReadable(relation);
    const sql = `SELECT ${columns.map(quoteIdentifier).join(', ')} FROM ${qualifiedName(relation, this.type)}`;
    const client = await this.connect();
    const cursor = client.query(new Cursor<Record<string, unknown>>(sql, [], { types: spokeTypes }));
    try {
      while (true) {
        let rows: Record<string, unknown>[];
        try {
          rows = await cursor.read(batchSize);
        } catch (error) {
          throw this.queryError(error, relation);
        }
        if (rows.length === 0) return;
        yield rows.map((row) => {
          const out: Row = {};
          for (const name of columns) out[name] = normalizeValue(row[name]);
          return out;
        });
        if (rows.length < batchSize) return;
      }
    } finally {
      await cursor.close().catch(() => {});
      client.release();
    }
  }

  async close(): Promise<void> {
    if (!this.pool.ended) await this.pool.end();
  }

  private async connect(): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (error) {
      const c = this.connection;
      const engine = this.dialect === 'redshift' ? 'Redshift' : 'PostgreSQL';
      throw new SpokeError(
        'SPOKE_WAREHOUSE',
        `Could not connect to ${engine} at ${c.host}:${c.port}, database "${c.database}" as user "${c.user}": ` +
          `${errorMessage(error)}. Check the host, port, credentials and sslmode of the dbt target in profiles.yml.`,
      );
    }
  }

  private async query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    values: unknown[],
    relation: Relation,
  ): Promise<pg.QueryResult<R>> {
    const client = await this.connect();
    try {
      return await client.query<R>(sql, values);
    } catch (error) {
      throw this.queryError(error, relation);
    } finally {
      client.release();
    }
  }

  private queryError(error: unknown, relation: Relation): SpokeError {
    const code = (error as { code?: string }).code;
    if (code === UNDEFINED_TABLE || code === INVALID_SCHEMA)
      return missingRelation(relation, this.connection);
    const hint =
      code === UNDEFINED_COLUMN
        ? ' Check the mapped columns against the model, and run dbt if the model changed.'
        : '';
    return new SpokeError(
      'SPOKE_WAREHOUSE',
      `Reading ${displayName(relation)} failed: ${errorMessage(error)}.${hint}`,
    );
  }

  /** A connection reads only its own database; a model elsewhere needs its own target. */
  private assertReadable(relation: Relation): void {
    if (relation.database && relation.database !== this.connection.database) {
      throw new SpokeError(
        'SPOKE_WAREHOUSE',
        `${displayName(relation)} is in database "${relation.database}" but the dbt target connects to ` +
          `"${this.connection.database}"; cross-database reads are not supported. Point the target at ` +
          `"${relation.database}" or build the model into "${this.connection.database}".`,
      );
    }
  }
}

function missingRelation(relation: Relation, connection: PostgresConnection): SpokeError {
  return new SpokeError(
    'SPOKE_WAREHOUSE',
    `Relation ${displayName(relation)} does not exist in database "${connection.database}" at ` +
      `${connection.host}:${connection.port}. Run dbt (dbt build or dbt run) first, and check that ` +
      'dbt-spoke uses the same target as dbt.',
  );
}

/** libpq's sslmode, mapped onto what node's TLS can do. */
export function sslOptions(sslmode: string | undefined): false | ConnectionOptions {
  switch (sslmode ?? 'prefer') {
    case 'disable':
    case 'allow':
    case 'prefer':
      return false;
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-ca':
      return { rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case 'verify-full':
      return { rejectUnauthorized: true };
    default:
      throw new SpokeError(
        'SPOKE_PROFILE',
        `Unknown sslmode "${sslmode}" in the dbt target. Use one of disable, allow, prefer, require, verify-ca, verify-full.`,
      );
  }
}

function errorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (message) return message.replace(/\.$/, '');
  const code = (error as { code?: string }).code;
  // Node reports some network failures (ECONNREFUSED on several addresses) with an empty message.
  if (error instanceof AggregateError) return error.errors.map(errorMessage).join('; ');
  return code ?? 'unknown error';
}

const TYPE_NAMES: Record<number, string> = {
  16: 'boolean',
  20: 'bigint',
  21: 'smallint',
  23: 'integer',
  25: 'text',
  114: 'json',
  700: 'real',
  701: 'double precision',
  1042: 'character',
  1043: 'character varying',
  1082: 'date',
  1114: 'timestamp without time zone',
  1184: 'timestamp with time zone',
  1700: 'numeric',
  2950: 'uuid',
  3802: 'jsonb',
};

function typeName(oid: number): string {
  return TYPE_NAMES[oid] ?? `oid ${oid}`;
}
