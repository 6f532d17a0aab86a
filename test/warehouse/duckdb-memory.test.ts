import { availableParallelism } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stateError } from '../../src/state/state-error.js';
import { DuckdbWarehouse } from '../../src/warehouse/duckdb.js';
import { failureOf, seededDuckdb } from './fixtures.js';

// SPOKE_DUCKDB_MEMORY_LIMIT puts spoke's DuckDB instance under a memory limit, spilling what does
// not fit, so a sync's memory stays flat whatever the model's size; without it DuckDB's default holds.
describe('DuckDB memory limit', () => {
  let file: Awaited<ReturnType<typeof seededDuckdb>>;

  beforeAll(async () => {
    file = await seededDuckdb('CREATE TABLE main.items (id VARCHAR)');
  });

  afterAll(async () => {
    await file?.remove();
  });

  const settings = async (env: NodeJS.ProcessEnv) => {
    const warehouse = await DuckdbWarehouse.open(file.connection, { env });
    try {
      const setting = async () =>
        (
          await warehouse.sql.query(
            "SELECT current_setting('memory_limit') AS memory, current_setting('threads') AS threads",
          )
        )[0]!;
      return { idle: await setting(), planning: await warehouse.withAllThreads(setting) };
    } finally {
      await warehouse.close();
    }
  };

  it("leaves DuckDB's default without SPOKE_DUCKDB_MEMORY_LIMIT and plans on every core", async () => {
    const { idle, planning } = await settings({});
    expect(idle.threads).toBe(1);
    // DuckDB's default is 80% of the machine's memory.
    expect(String(idle.memory)).toMatch(/GiB$/);
    expect(planning.threads).toBe(availableParallelism());
  });

  it('takes SPOKE_DUCKDB_MEMORY_LIMIT, and the planning threads it affords', async () => {
    const { idle, planning } = await settings({ SPOKE_DUCKDB_MEMORY_LIMIT: '1GiB' });
    expect(idle).toEqual({ memory: '1.0 GiB', threads: 1 });
    expect(planning.threads).toBe(Math.min(availableParallelism(), 16));
    const small = await settings({ SPOKE_DUCKDB_MEMORY_LIMIT: '100MB' });
    expect(small.planning).toEqual({ memory: '95.3 MiB', threads: 1 });
  });

  it('refuses a value that is not a size of at least 64MB, naming the variable and the fix', async () => {
    for (const value of ['lots', '512', '32MB']) {
      const error = await failureOf(settings({ SPOKE_DUCKDB_MEMORY_LIMIT: value }));
      expect(error.message).toBe(
        `SPOKE_DUCKDB_MEMORY_LIMIT=${value} is not a memory size of at least 64MB. Write it as DuckDB does, ` +
          "e.g. SPOKE_DUCKDB_MEMORY_LIMIT=512MB or 2GB, or unset it to leave DuckDB's default.",
      );
    }
  });

  it('spills a planning statement larger than the limit to disk instead of failing it', async () => {
    const warehouse = await DuckdbWarehouse.open(file.connection, {
      env: { SPOKE_DUCKDB_MEMORY_LIMIT: '128MB' },
    });
    try {
      // Three million distinct keys: a grouping of ~250 MB without a limit, on two threads of 64MB.
      const rows = await warehouse.withAllThreads(() =>
        warehouse.sql.query(
          "SELECT count(*) AS keys FROM (SELECT 'key-' || i AS k, count(*) FROM range(0, 3000000) t(i) GROUP BY k)",
        ),
      );
      expect(rows).toEqual([{ keys: 3000000 }]);
    } finally {
      await warehouse.close();
    }
  });

  it('says to raise the limit when DuckDB runs out of memory under it', async () => {
    const warehouse = await DuckdbWarehouse.open(file.connection, {
      env: { SPOKE_DUCKDB_MEMORY_LIMIT: '64MB' },
    });
    try {
      // One list of ten million numbers: a value DuckDB cannot spill.
      const failed = await failureOf(warehouse.sql.query('SELECT list(i) FROM range(0, 10000000) t(i)'));
      const error = stateError(failed, 'read the planned changes of sync s', 'spoke');
      expect(error.message).toMatch(
        /^dbt-spoke could not read the planned changes of sync s: Out of Memory Error/,
      );
      expect(error.message).toMatch(
        /Raise SPOKE_DUCKDB_MEMORY_LIMIT, or unset it for DuckDB's default \(80% of the machine's memory\)\.$/,
      );
    } finally {
      await warehouse.close();
    }
  });
});
