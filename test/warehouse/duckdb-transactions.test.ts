import { availableParallelism } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWarehouse } from '../../src/warehouse/open-warehouse.js';
import type { Warehouse } from '../../src/warehouse/warehouse.js';
import { failureOf, seededDuckdb } from './fixtures.js';

// The state transactions run one after another on one DuckDB connection that keeps each
// statement prepared and each appended table's columns: what it keeps must follow the tables.
describe('DuckDB state transactions', () => {
  let warehouse: Warehouse;
  let remove: () => Promise<void>;

  beforeAll(async () => {
    const file = await seededDuckdb(
      `CREATE TABLE main.items (id VARCHAR PRIMARY KEY, label VARCHAR);
       INSERT INTO main.items VALUES ('a', 'first');`,
    );
    warehouse = await openWarehouse(file.connection);
    remove = file.remove;
  });

  afterAll(async () => {
    await warehouse?.close();
    await remove?.();
  });

  const select = 'SELECT * FROM main.items ORDER BY id';
  const inTransaction = (sql: string) => warehouse.sql.transaction((tx) => tx.query(sql));

  it('reads a table as it is now with a statement prepared before its columns changed', async () => {
    expect(await inTransaction(select)).toEqual([{ id: 'a', label: 'first' }]);
    await inTransaction('ALTER TABLE main.items ADD COLUMN size INTEGER DEFAULT 3');
    expect(await inTransaction(select)).toEqual([{ id: 'a', label: 'first', size: 3 }]);
    await inTransaction('ALTER TABLE main.items DROP COLUMN size');
    expect(await inTransaction(select)).toEqual([{ id: 'a', label: 'first' }]);
  });

  it('forgets what a rolled-back transaction created: the next one creates it again', async () => {
    const create = 'CREATE TEMP TABLE IF NOT EXISTS scratch (id VARCHAR)';
    const failed = warehouse.sql.transaction(async (tx) => {
      await tx.query(create);
      await tx.append!({ catalog: 'temp', schema: 'main', name: 'scratch' }, ['id'], [['x']]);
      throw new Error('stop');
    });
    expect((await failureOf(failed)).message).toBe('stop');
    const rows = await warehouse.sql.transaction(async (tx) => {
      await tx.query(create);
      await tx.append!({ catalog: 'temp', schema: 'main', name: 'scratch' }, ['id'], [['y']]);
      return tx.query('SELECT id FROM scratch');
    });
    expect(rows).toEqual([{ id: 'y' }]);
  });

  it('appends by column name, in the table order, with defaults for the rest and typed values', async () => {
    await inTransaction(
      "CREATE TABLE main.typed (n INTEGER, seen TIMESTAMP, ok BOOLEAN, note VARCHAR DEFAULT 'none', id VARCHAR)",
    );
    await warehouse.sql.transaction((tx) =>
      tx.append!(
        { schema: 'main', name: 'typed' },
        ['id', 'ok', 'seen', 'n'],
        [
          ['r1', true, new Date('2024-05-01T12:00:00.123Z'), 7],
          ['r2', null, '2024-05-02 08:30:00.000', null],
        ],
      ),
    );
    expect(
      await inTransaction(
        'SELECT id, n, ok, note, CAST(seen AS VARCHAR) AS seen FROM main.typed ORDER BY id',
      ),
    ).toEqual([
      { id: 'r1', n: 7, ok: true, note: 'none', seen: '2024-05-01 12:00:00.123' },
      { id: 'r2', n: null, ok: null, note: 'none', seen: '2024-05-02 08:30:00' },
    ]);
  });

  it('appends to a table again after a column was added to it', async () => {
    await warehouse.sql.transaction((tx) =>
      tx.append!({ schema: 'main', name: 'items' }, ['id', 'label'], [['b', 'second']]),
    );
    await inTransaction('ALTER TABLE main.items ADD COLUMN extra VARCHAR');
    await warehouse.sql.transaction((tx) =>
      tx.append!({ schema: 'main', name: 'items' }, ['extra', 'id'], [['more', 'c']]),
    );
    expect(await inTransaction(select)).toEqual([
      { id: 'a', label: 'first', extra: null },
      { id: 'b', label: 'second', extra: null },
      { id: 'c', label: null, extra: 'more' },
    ]);
  });

  it('fails an append of a key already there with the constraint error, writes none of it, and the next transactions work', async () => {
    const failed = warehouse.sql.transaction(async (tx) => {
      await tx.append!({ schema: 'main', name: 'items' }, ['id'], [['d']]);
      await tx.append!({ schema: 'main', name: 'items' }, ['id'], [['e'], ['a']]);
    });
    expect((await failureOf(failed)).message).toMatch(/duplicate key/i);
    for (let i = 0; i < 3; i++) {
      await warehouse.sql.transaction((tx) =>
        tx.append!({ schema: 'main', name: 'items' }, ['id'], [[`f${i}`]]),
      );
    }
    expect((await inTransaction(select)).map((row) => row.id)).toEqual(['a', 'b', 'c', 'f0', 'f1', 'f2']);
  });

  it('names a column the table lacks', async () => {
    const failed = warehouse.sql.transaction((tx) =>
      tx.append!({ schema: 'main', name: 'items' }, ['id', 'colour'], [['g', 'red']]),
    );
    expect((await failureOf(failed)).message).toMatch(/no column colour/);
  });

  it('plans on every core and goes back to one thread afterwards, also when planning fails', async () => {
    const threads = async () =>
      Number((await warehouse.sql.query("SELECT current_setting('threads') AS t"))[0]!.t);
    expect(await threads()).toBe(1);
    expect(await warehouse.withAllThreads!(threads)).toBe(availableParallelism());
    expect(await threads()).toBe(1);
    const failed = warehouse.withAllThreads!(async () => {
      throw new Error('plan failed');
    });
    expect((await failureOf(failed)).message).toBe('plan failed');
    expect(await threads()).toBe(1);
  });

  it('reads materialised rows a page at a time, holding back no checkpoint between pages', async () => {
    await inTransaction(
      "CREATE TABLE main.numbers AS SELECT i, 'n' || CAST(i AS VARCHAR) AS label FROM range(0, 5000) t(i)",
    );
    const update = (label: string) =>
      inTransaction(`UPDATE main.numbers SET label = '${label}' WHERE i < 10`);
    const checkpoint = (when: string) =>
      warehouse.sql.query('CHECKPOINT').catch((error: Error) => {
        throw new Error(`${when}: ${error.message}`);
      });
    const query = 'SELECT i, label FROM main.numbers WHERE i % 2 = $1 ORDER BY i';

    // A stream keeps its transaction while it is read: what changes meanwhile cannot be checkpointed.
    const streamed = warehouse.sql.stream(query, [0], 1000)[Symbol.asyncIterator]();
    await streamed.next();
    await update('during a stream');
    expect((await failureOf(checkpoint('while streaming'))).message).toMatch(/Cannot CHECKPOINT/);
    while (!(await streamed.next()).done) {}
    await checkpoint('after stream');

    const rows = await warehouse.sql.materialize!(query, [0]);
    const pages: number[] = [];
    const labels: string[] = [];
    for await (const page of rows.pages(1000)) {
      pages.push(page.length);
      labels.push(...page.map((row) => String(row.label)));
      await update(`page ${pages.length}`);
      await checkpoint(`page ${pages.length}`);
    }
    expect(pages).toEqual([1000, 1000, 500]);
    // As the statement saw the table: even numbers, in order, none of the later updates.
    expect(labels.slice(0, 6)).toEqual([
      'during a stream',
      'during a stream',
      'during a stream',
      'during a stream',
      'during a stream',
      'n10',
    ]);
    expect(labels.at(-1)).toBe('n4998');

    await rows.close();
  });
});
