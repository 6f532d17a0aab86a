import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWarehouse } from '../../src/warehouse/open-warehouse.js';
import type { Row, Warehouse } from '../../src/warehouse/warehouse.js';
import { readAll, seededDuckdb, seededPostgres } from './fixtures.js';

const ROWS = 10_000;

describe.each(['postgres', 'duckdb'] as const)('streaming rows from %s', (kind) => {
  let warehouse: Warehouse;
  let cleanup: () => Promise<void>;
  let relation: { database: string; schema: string; identifier: string };

  beforeAll(async () => {
    if (kind === 'postgres') {
      const db = await seededPostgres(
        'warehouse_stream',
        `CREATE TABLE public.events AS SELECT g AS id, 'event ' || g AS label FROM generate_series(1, ${ROWS}) g;
         CREATE TABLE public.empty_events (id integer, label text);`,
      );
      warehouse = await openWarehouse(db.connection);
      relation = { database: db.name, schema: 'public', identifier: 'events' };
      cleanup = db.drop;
    } else {
      const file = await seededDuckdb(
        `CREATE TABLE main.events AS SELECT range + 1 AS id, 'event ' || (range + 1) AS label FROM range(${ROWS});
         CREATE TABLE main.empty_events (id INTEGER, label VARCHAR);`,
      );
      warehouse = await openWarehouse(file.connection);
      relation = { database: 'warehouse', schema: 'main', identifier: 'events' };
      cleanup = file.remove;
    }
  });

  afterAll(async () => {
    await warehouse?.close();
    await cleanup?.();
  });

  it('yields every row exactly once in batches of the requested size', async () => {
    const batches = await readAll(warehouse, relation, ['id', 'label'], 1000);
    expect(batches.map((b) => b.length)).toEqual(Array(10).fill(1000));
    const ids = batches.flat().map((row) => row.id);
    expect(new Set(ids).size).toBe(ROWS);
    expect(Math.min(...(ids as number[]))).toBe(1);
    expect(Math.max(...(ids as number[]))).toBe(ROWS);
    expect(batches.flat().find((row) => row.id === 1234)).toEqual({ id: 1234, label: 'event 1234' });
  });

  it('ends with a shorter batch when the row count is not a multiple of the batch size', async () => {
    const batches = await readAll(warehouse, relation, ['id'], 3000);
    expect(batches.map((b) => b.length)).toEqual([3000, 3000, 3000, 1000]);
  });

  it('returns only the columns asked for, in the order asked', async () => {
    let first: Row[] = [];
    for await (const batch of warehouse.readRows(relation, ['label', 'id'], 1)) {
      first = batch;
      break;
    }
    expect(first).toHaveLength(1);
    expect(Object.keys(first[0] ?? {})).toEqual(['label', 'id']);
  });

  it('yields no batch at all for an empty model', async () => {
    const batches = await readAll(warehouse, { ...relation, identifier: 'empty_events' }, ['id'], 1000);
    expect(batches).toEqual([]);
  });

  it('serves two reads at once, each yielding every row', async () => {
    const first = warehouse.readRows(relation, ['id'], 700)[Symbol.asyncIterator]();
    const second = warehouse.readRows(relation, ['label'], 900)[Symbol.asyncIterator]();
    const counts = [0, 0];
    const done = [false, false];
    while (!done[0] || !done[1]) {
      for (const [i, reader] of [first, second].entries()) {
        if (done[i]) continue;
        const next = await reader.next();
        done[i] = next.done === true;
        counts[i]! += next.value?.length ?? 0;
      }
    }
    expect(counts).toEqual([ROWS, ROWS]);
  });

  it('can stop after the first batch, many times over, and still read the whole model afterwards', async () => {
    for (let i = 0; i < 6; i++) {
      for await (const batch of warehouse.readRows(relation, ['id'], 500)) {
        expect(batch).toHaveLength(500);
        break;
      }
    }
    const batches = await readAll(warehouse, relation, ['id'], 5000);
    expect(batches.flat()).toHaveLength(ROWS);
  });
});
