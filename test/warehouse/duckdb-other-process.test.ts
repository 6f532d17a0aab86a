import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { expect, it } from 'vitest';
import { openWarehouse } from '../../src/warehouse/open-warehouse.js';
import { failureOf, seededDuckdb } from './fixtures.js';

const HOLD_FILE = `
import { DuckDBInstance } from '@duckdb/node-api';
await DuckDBInstance.create(process.argv[1]);
console.log('ready');
setInterval(() => {}, 1000);
`;

it('says a DuckDB file is open in another process, such as a running dbt or spoke', async () => {
  const file = await seededDuckdb('CREATE TABLE main.accounts (id INTEGER)');
  const holder = spawn(process.execPath, ['--input-type=module', '-e', HOLD_FILE, file.path], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const [ready] = await once(holder.stdout, 'data');
    expect(String(ready)).toContain('ready');
    const error = await failureOf(openWarehouse(file.connection));
    expect(error.code).toBe('SPOKE_WAREHOUSE_BUSY');
    expect(error.message).toContain(`${file.path} is open in another process (a running dbt or spoke?`);
  } finally {
    holder.kill();
    await once(holder, 'exit');
    await file.remove();
  }
});
