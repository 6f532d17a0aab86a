import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from './postgres.js';

async function selectOne(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Number((await client.query('SELECT 1 AS one')).rows[0].one);
  } finally {
    await client.end();
  }
}

describe('the embedded PostgreSQL of the test suite', () => {
  it('is ready once it answers, even when it logs to its own collector and never prints "ready"', async () => {
    const server = await startEmbeddedPostgres({ postgresFlags: ['-c', 'logging_collector=on'] });
    try {
      expect(await selectOne(server.url)).toBe(1);
    } finally {
      await server.stop();
    }
  }, 100_000);

  it('fails at once with the server’s own message when PostgreSQL refuses its settings', async () => {
    const started = Date.now();
    const error = await startEmbeddedPostgres({ postgresFlags: ['-c', 'max_connections=-5'] }).catch(
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/the server exited while starting/);
    expect((error as Error).message).toMatch(/max_connections/);
    expect(Date.now() - started).toBeLessThan(60_000);
  }, 100_000);

  it('fails within its deadline, naming the address, when the server never accepts connections', async () => {
    const started = Date.now();
    const error = await startEmbeddedPostgres({
      // It listens, but not where the tests connect.
      postgresFlags: ['-c', 'listen_addresses=127.0.0.2'],
      readyWithinMs: 8_000,
    }).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(
      /Could not start an embedded PostgreSQL on 127\.0\.0\.1:\d+: the server did not answer a query in time/,
    );
    expect(Date.now() - started).toBeLessThan(60_000);
  }, 100_000);
});
