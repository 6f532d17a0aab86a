import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest, RunResults } from '../../src/dbt/artifacts.js';
import { loadArtifacts } from '../../src/dbt/artifacts.js';
import { succeededModels } from '../../src/dbt/run-selection.js';
import { dbt, makeDbtProject, removeDir } from './dbt-project.js';

const SCHEMA_YML = `version: 2
models:
  - name: crm_accounts
    columns:
      - name: account_id
        data_tests: [not_null]
  - name: crm_contacts
    columns:
      - name: user_id
        data_tests: [not_null]
  - name: crm_deals
    columns:
      - name: account_id
        data_tests:
          - relationships:
              arguments: {to: ref('crm_accounts'), field: account_id}
`;

let projectDir: string | undefined;
let manifest: Manifest;
let runResults: RunResults;
let exitCode: number;

beforeAll(async () => {
  projectDir = await makeDbtProject({
    'models/crm_accounts.sql': "{{ config(materialized='table') }}\nselect 'acc_0001' as account_id",
    'models/crm_contacts.sql':
      "select 'usr_00001' as user_id, 'acc_0001' as account_id union all select null, 'acc_0001'",
    'models/contacts_enriched.sql': "select * from {{ ref('crm_contacts') }}",
    'models/crm_deals.sql': "select 'deal_1' as deal_id, 'acc_9999' as account_id",
    'models/broken_model.sql': 'select * from no_such_table',
    'models/broken_child.sql': "select * from {{ ref('broken_model') }}",
    'models/schema.yml': SCHEMA_YML,
    'tests/accounts_exist.sql': "select 1 from {{ ref('crm_accounts') }} having count(*) = 0",
  });
  const build = await dbt(projectDir, ['build']);
  exitCode = build.exitCode;
  const artifacts = await loadArtifacts(join(projectDir, 'target'));
  manifest = artifacts.manifest;
  runResults = artifacts.runResults!;
});

afterAll(() => removeDir(projectDir));

describe('succeededModels after a real dbt build with failures', () => {
  it('syncs only the model that was built and whose own tests passed', () => {
    expect(exitCode).toBe(1);
    expect([...succeededModels(manifest, runResults).synced]).toEqual(['model.fixture.crm_accounts']);
  });

  it('excludes a model whose not_null test failed, naming the test', () => {
    const { excluded } = succeededModels(manifest, runResults);
    expect(excluded.get('model.fixture.crm_contacts')).toBe('test not_null_crm_contacts_user_id failed');
  });

  it('blames a failing relationships test on the model it is attached to, not on the referenced model', () => {
    const { synced, excluded } = succeededModels(manifest, runResults);
    expect(excluded.get('model.fixture.crm_deals')).toMatch(
      /^test relationships_crm_deals_account_id_.* failed$/,
    );
    expect(synced.has('model.fixture.crm_accounts')).toBe(true);
  });

  it('excludes a model with a SQL error and the models dbt skipped because of failures', () => {
    const { excluded } = succeededModels(manifest, runResults);
    expect(excluded.get('model.fixture.broken_model')).toBe('error');
    expect(excluded.get('model.fixture.broken_child')).toBe('skipped');
    expect(excluded.get('model.fixture.contacts_enriched')).toBe('skipped');
    expect(excluded.size).toBe(5);
  });

  it('leaves models that did not run in this invocation out of both sets', () => {
    const onlyAccounts: RunResults = {
      ...runResults,
      results: runResults.results.filter(
        (r) => !r.unique_id.startsWith('model.') || r.unique_id.endsWith('.crm_accounts'),
      ),
    };
    const { synced, excluded } = succeededModels(manifest, onlyAccounts);
    expect([...synced]).toEqual(['model.fixture.crm_accounts']);
    expect(excluded.has('model.fixture.crm_contacts')).toBe(false);
    expect(excluded.get('model.fixture.crm_deals')).toBeUndefined();
  });

  it('reports a test that errored instead of failing', () => {
    const testId = Object.keys(manifest.nodes).find((id) =>
      id.startsWith('test.fixture.not_null_crm_contacts'),
    )!;
    const withError: RunResults = {
      ...runResults,
      results: runResults.results.map((r) => (r.unique_id === testId ? { ...r, status: 'error' } : r)),
    };
    expect(succeededModels(manifest, withError).excluded.get('model.fixture.crm_contacts')).toBe(
      'test not_null_crm_contacts_user_id errored',
    );
  });

  it('syncs nothing after a compile-only command such as dbt docs generate', () => {
    const compiled: RunResults = { ...runResults, args: { ...runResults.args, which: 'generate' } };
    const { synced, excluded } = succeededModels(manifest, compiled);
    expect(synced.size).toBe(0);
    expect(excluded.get('model.fixture.crm_accounts')).toBe(
      'not built: dbt docs generate only compiles models',
    );
  });
});
