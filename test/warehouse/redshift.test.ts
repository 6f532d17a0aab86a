import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWarehouse } from '../../src/warehouse/open-warehouse.js';
import { readAll, seededPostgres } from './fixtures.js';

describe('the redshift flavour', () => {
  let db: Awaited<ReturnType<typeof seededPostgres>>;

  beforeAll(async () => {
    db = await seededPostgres(
      'warehouse_redshift',
      `CREATE TABLE public.crm_accounts (account_id varchar(32), mrr numeric(12,2), last_active_at timestamp);
       INSERT INTO public.crm_accounts VALUES ('acc_0001', 499.00, '2024-05-01 12:00:00'), ('acc_0002', NULL, NULL);`,
    );
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('connects over the PostgreSQL protocol and reads a model like PostgreSQL does', async () => {
    const warehouse = await openWarehouse({ ...db.connection, type: 'redshift' });
    try {
      expect(warehouse.type).toBe('redshift');
      const relation = { database: db.name, schema: 'public', identifier: 'crm_accounts' };
      expect((await warehouse.columns(relation)).map((c) => c.name)).toEqual([
        'account_id',
        'mrr',
        'last_active_at',
      ]);
      const rows = (await readAll(warehouse, relation, ['account_id', 'mrr', 'last_active_at'], 1)).flat();
      expect(rows).toEqual([
        { account_id: 'acc_0001', mrr: 499, last_active_at: '2024-05-01T12:00:00.000Z' },
        { account_id: 'acc_0002', mrr: null, last_active_at: null },
      ]);
    } finally {
      await warehouse.close();
    }
  });
});
