import pg from 'pg';
import { inject } from 'vitest';
import { createTestDatabase } from '../support/postgres.js';
import { describeEnqueue, type QueueRow } from './enqueue-suite.js';
import { createFixtureProject, type FixtureProject } from './fixture-project.js';

const STATE_SCHEMA = 'spoke_state';
let database: Awaited<ReturnType<typeof createTestDatabase>>;

async function readQueue(_project: FixtureProject): Promise<QueueRow[] | null> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    const exists = await client.query('select to_regclass($1) as found', [`${STATE_SCHEMA}.sync_queue`]);
    if (exists.rows[0].found === null) return null;
    const { rows } = await client.query(`select * from ${STATE_SCHEMA}.sync_queue order by id`);
    return rows as QueueRow[];
  } finally {
    await client.end();
  }
}

describeEnqueue('PostgreSQL', {
  setUp: async () => {
    database = await createTestDatabase(inject('databaseUrl'), 'dbt_package');
    const url = new URL(database.url);
    return createFixtureProject({
      target: [
        '      type: postgres',
        `      host: ${url.hostname}`,
        `      port: ${url.port || '5432'}`,
        `      user: ${decodeURIComponent(url.username) || 'postgres'}`,
        `      password: "{{ env_var('SPOKE_TEST_PG_PASSWORD', '') }}"`,
        `      dbname: ${database.name}`,
        '      schema: analytics',
        '      threads: 1',
        '',
      ].join('\n'),
      vars: { spoke_state_schema: STATE_SCHEMA },
      env: { SPOKE_TEST_PG_PASSWORD: decodeURIComponent(url.password) },
    });
  },
  readQueue,
  relationName: (model) => `"${database.name}"."analytics"."${model}"`,
  get queueRelationName() {
    return `"${database.name}"."${STATE_SCHEMA}"."sync_queue"`;
  },
  tearDown: () => database?.drop(),
});
