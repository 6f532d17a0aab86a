import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describeEnqueue, type QueueRow } from './enqueue-suite.js';
import { createFixtureProject, type FixtureProject } from './fixture-project.js';

async function readQueue(project: FixtureProject): Promise<QueueRow[] | null> {
  const instance = await DuckDBInstance.create(join(project.dir, 'warehouse.duckdb'), {
    access_mode: 'READ_ONLY',
  });
  const connection = await instance.connect();
  try {
    const exists = await connection.runAndReadAll(
      "select 1 from information_schema.tables where table_schema = 'spoke' and table_name = 'sync_queue'",
    );
    if (exists.currentRowCount === 0) return null;
    const reader = await connection.runAndReadAll(
      `select * exclude (enqueued_at, claimed_at, finished_at),
         epoch_ms(enqueued_at) as enqueued_at, epoch_ms(claimed_at) as claimed_at,
         epoch_ms(finished_at) as finished_at
       from spoke.sync_queue order by id`,
    );
    return reader.getRowObjectsJS().map((row) => {
      const at = (value: unknown) => (value === null ? null : new Date(Number(value)));
      return {
        ...row,
        enqueued_at: at(row.enqueued_at),
        claimed_at: at(row.claimed_at),
        finished_at: at(row.finished_at),
      } as unknown as QueueRow;
    });
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describeEnqueue('DuckDB', {
  setUp: () =>
    createFixtureProject({
      target: '      type: duckdb\n      path: warehouse.duckdb\n      threads: 1\n',
    }),
  readQueue,
  relationName: (model) => `"warehouse"."main"."${model}"`,
  queueRelationName: '"warehouse"."spoke"."sync_queue"',
});
